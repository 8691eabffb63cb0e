-- Drop counter "count_users_posts_count_9549989e" on "posts" (its tables are rebuilt)
DROP TRIGGER IF EXISTS "count_users_posts_count_9549989e_insert";
DROP TRIGGER IF EXISTS "count_users_posts_count_9549989e_update";
DROP TRIGGER IF EXISTS "count_users_posts_count_9549989e_delete";
-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_posts" table
CREATE TABLE `new_posts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `title` text NOT NULL, `content` text NOT NULL, `tags_count` integer NOT NULL DEFAULT (0), `author_id` integer NOT NULL, CONSTRAINT `posts_users_posts` FOREIGN KEY (`author_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- Copy rows from old table "posts" to new temporary table "new_posts"
INSERT INTO `new_posts` (`id`, `created_at`, `updated_at`, `title`, `content`, `author_id`) SELECT `id`, `created_at`, `updated_at`, `title`, `content`, `author_id` FROM `posts`;
-- Drop "posts" table after copying rows
DROP TABLE `posts`;
-- Rename temporary table "new_posts" to "posts"
ALTER TABLE `new_posts` RENAME TO `posts`;
-- Create index "post_author_id" to table: "posts"
CREATE INDEX `post_author_id` ON `posts` (`author_id`);
-- Create index "post_tags_count" to table: "posts"
CREATE INDEX `post_tags_count` ON `posts` (`tags_count`);
-- Create "new_users" table
CREATE TABLE `new_users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `deleted_at` datetime NULL, `name` text NOT NULL, `email` text NULL, `posts_count` integer NOT NULL DEFAULT (0), `profile_count` integer NOT NULL DEFAULT (0));
-- Copy rows from old table "users" to new temporary table "new_users"
INSERT INTO `new_users` (`id`, `created_at`, `updated_at`, `deleted_at`, `name`, `email`, `posts_count`) SELECT `id`, `created_at`, `updated_at`, `deleted_at`, `name`, `email`, `posts_count` FROM `users`;
-- Drop "users" table after copying rows
DROP TABLE `users`;
-- Rename temporary table "new_users" to "users"
ALTER TABLE `new_users` RENAME TO `users`;
-- Create index "users_email_key" to table: "users"
CREATE UNIQUE INDEX `users_email_key` ON `users` (`email`);
-- Create index "user_name" to table: "users"
CREATE INDEX `user_name` ON `users` (`name`);
-- Create index "user_posts_count_name" to table: "users"
CREATE INDEX `user_posts_count_name` ON `users` (`posts_count` DESC, `name`);
-- Create index "user_profile_count" to table: "users"
CREATE INDEX `user_profile_count` ON `users` (`profile_count`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
-- Create counter "count_posts_tags_count_e291a464" on "post_tags" (posts.tags_count counts the rows of post_tags by post_id)
CREATE TRIGGER "count_posts_tags_count_e291a464_insert" AFTER INSERT ON "post_tags" WHEN NEW."post_id" IS NOT NULL BEGIN UPDATE "posts" SET "tags_count" = "tags_count" + 1 WHERE "id" = NEW."post_id"; END;
CREATE TRIGGER "count_posts_tags_count_e291a464_delete" AFTER DELETE ON "post_tags" WHEN OLD."post_id" IS NOT NULL BEGIN UPDATE "posts" SET "tags_count" = "tags_count" - 1 WHERE "id" = OLD."post_id"; END;
CREATE TRIGGER "count_posts_tags_count_e291a464_update" AFTER UPDATE OF "post_id" ON "post_tags" WHEN OLD."post_id" IS NOT NEW."post_id" BEGIN UPDATE "posts" SET "tags_count" = "tags_count" - 1 WHERE "id" = OLD."post_id"; UPDATE "posts" SET "tags_count" = "tags_count" + 1 WHERE "id" = NEW."post_id"; END;
UPDATE "posts" SET "tags_count" = (SELECT COUNT(*) FROM "post_tags" WHERE "post_tags"."post_id" = "posts"."id") WHERE "tags_count" <> (SELECT COUNT(*) FROM "post_tags" WHERE "post_tags"."post_id" = "posts"."id");
-- Create counter "count_users_profile_count_e976335d" on "profiles" (users.profile_count counts the rows of profiles by user_id)
CREATE TRIGGER "count_users_profile_count_e976335d_insert" AFTER INSERT ON "profiles" WHEN NEW."user_id" IS NOT NULL BEGIN UPDATE "users" SET "profile_count" = "profile_count" + 1 WHERE "id" = NEW."user_id"; END;
CREATE TRIGGER "count_users_profile_count_e976335d_delete" AFTER DELETE ON "profiles" WHEN OLD."user_id" IS NOT NULL BEGIN UPDATE "users" SET "profile_count" = "profile_count" - 1 WHERE "id" = OLD."user_id"; END;
CREATE TRIGGER "count_users_profile_count_e976335d_update" AFTER UPDATE OF "user_id" ON "profiles" WHEN OLD."user_id" IS NOT NEW."user_id" BEGIN UPDATE "users" SET "profile_count" = "profile_count" - 1 WHERE "id" = OLD."user_id"; UPDATE "users" SET "profile_count" = "profile_count" + 1 WHERE "id" = NEW."user_id"; END;
UPDATE "users" SET "profile_count" = (SELECT COUNT(*) FROM "profiles" WHERE "profiles"."user_id" = "users"."id") WHERE "profile_count" <> (SELECT COUNT(*) FROM "profiles" WHERE "profiles"."user_id" = "users"."id");
-- Create counter "count_users_posts_count_9549989e" on "posts" (users.posts_count counts the rows of posts by author_id)
CREATE TRIGGER "count_users_posts_count_9549989e_insert" AFTER INSERT ON "posts" WHEN NEW."author_id" IS NOT NULL BEGIN UPDATE "users" SET "posts_count" = "posts_count" + 1 WHERE "id" = NEW."author_id"; END;
CREATE TRIGGER "count_users_posts_count_9549989e_delete" AFTER DELETE ON "posts" WHEN OLD."author_id" IS NOT NULL BEGIN UPDATE "users" SET "posts_count" = "posts_count" - 1 WHERE "id" = OLD."author_id"; END;
CREATE TRIGGER "count_users_posts_count_9549989e_update" AFTER UPDATE OF "author_id" ON "posts" WHEN OLD."author_id" IS NOT NEW."author_id" BEGIN UPDATE "users" SET "posts_count" = "posts_count" - 1 WHERE "id" = OLD."author_id"; UPDATE "users" SET "posts_count" = "posts_count" + 1 WHERE "id" = NEW."author_id"; END;
UPDATE "users" SET "posts_count" = (SELECT COUNT(*) FROM "posts" WHERE "posts"."author_id" = "users"."id") WHERE "posts_count" <> (SELECT COUNT(*) FROM "posts" WHERE "posts"."author_id" = "users"."id");
