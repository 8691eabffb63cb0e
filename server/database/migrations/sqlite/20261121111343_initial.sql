-- Create "posts" table
CREATE TABLE `posts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `title` text NOT NULL, `content` text NOT NULL, `author_id` integer NOT NULL, CONSTRAINT `posts_users_posts` FOREIGN KEY (`author_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- Create index "post_author_id" to table: "posts"
CREATE INDEX `post_author_id` ON `posts` (`author_id`);
-- Create "profiles" table
CREATE TABLE `profiles` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `bio` text NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `profiles_users_profile` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- Create index "profiles_user_id_key" to table: "profiles"
CREATE UNIQUE INDEX `profiles_user_id_key` ON `profiles` (`user_id`);
-- Create "tags" table
CREATE TABLE `tags` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL);
-- Create index "tags_name_key" to table: "tags"
CREATE UNIQUE INDEX `tags_name_key` ON `tags` (`name`);
-- Create "users" table
CREATE TABLE `users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `email` text NULL);
-- Create index "users_email_key" to table: "users"
CREATE UNIQUE INDEX `users_email_key` ON `users` (`email`);
-- Create "post_tags" table
CREATE TABLE `post_tags` (`post_id` integer NOT NULL, `tag_id` integer NOT NULL, PRIMARY KEY (`post_id`, `tag_id`), CONSTRAINT `post_tags_post_id` FOREIGN KEY (`post_id`) REFERENCES `posts` (`id`) ON DELETE CASCADE, CONSTRAINT `post_tags_tag_id` FOREIGN KEY (`tag_id`) REFERENCES `tags` (`id`) ON DELETE CASCADE);
-- Create index "post_tags_tag_id" to table: "post_tags"
CREATE INDEX `post_tags_tag_id` ON `post_tags` (`tag_id`);
