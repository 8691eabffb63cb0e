-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_tags" table
CREATE TABLE `new_tags` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `posts_count` integer NOT NULL DEFAULT (0));
-- Copy rows from old table "tags" to new temporary table "new_tags"
INSERT INTO `new_tags` (`id`, `created_at`, `updated_at`, `name`) SELECT `id`, `created_at`, `updated_at`, `name` FROM `tags`;
-- Drop "tags" table after copying rows
DROP TABLE `tags`;
-- Rename temporary table "new_tags" to "tags"
ALTER TABLE `new_tags` RENAME TO `tags`;
-- Create index "tags_name_key" to table: "tags"
CREATE UNIQUE INDEX `tags_name_key` ON `tags` (`name`);
-- Create "new_users" table
CREATE TABLE `new_users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `email` text NULL, `posts_count` integer NOT NULL DEFAULT (0));
-- Copy rows from old table "users" to new temporary table "new_users"
INSERT INTO `new_users` (`id`, `created_at`, `updated_at`, `name`, `email`) SELECT `id`, `created_at`, `updated_at`, `name`, `email` FROM `users`;
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
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
-- Create counter "count_tags_posts_count_661949b4" on "post_tags" (tags.posts_count counts the rows of post_tags by tag_id)
CREATE TRIGGER "count_tags_posts_count_661949b4_insert" AFTER INSERT ON "post_tags" WHEN NEW."tag_id" IS NOT NULL BEGIN UPDATE "tags" SET "posts_count" = "posts_count" + 1 WHERE "id" = NEW."tag_id"; END;
CREATE TRIGGER "count_tags_posts_count_661949b4_delete" AFTER DELETE ON "post_tags" WHEN OLD."tag_id" IS NOT NULL BEGIN UPDATE "tags" SET "posts_count" = "posts_count" - 1 WHERE "id" = OLD."tag_id"; END;
CREATE TRIGGER "count_tags_posts_count_661949b4_update" AFTER UPDATE OF "tag_id" ON "post_tags" WHEN OLD."tag_id" IS NOT NEW."tag_id" BEGIN UPDATE "tags" SET "posts_count" = "posts_count" - 1 WHERE "id" = OLD."tag_id"; UPDATE "tags" SET "posts_count" = "posts_count" + 1 WHERE "id" = NEW."tag_id"; END;
UPDATE "tags" SET "posts_count" = (SELECT COUNT(*) FROM "post_tags" WHERE "post_tags"."tag_id" = "tags"."id") WHERE "posts_count" <> (SELECT COUNT(*) FROM "post_tags" WHERE "post_tags"."tag_id" = "tags"."id");
-- Create counter "count_users_posts_count_9549989e" on "posts" (users.posts_count counts the rows of posts by author_id)
CREATE TRIGGER "count_users_posts_count_9549989e_insert" AFTER INSERT ON "posts" WHEN NEW."author_id" IS NOT NULL BEGIN UPDATE "users" SET "posts_count" = "posts_count" + 1 WHERE "id" = NEW."author_id"; END;
CREATE TRIGGER "count_users_posts_count_9549989e_delete" AFTER DELETE ON "posts" WHEN OLD."author_id" IS NOT NULL BEGIN UPDATE "users" SET "posts_count" = "posts_count" - 1 WHERE "id" = OLD."author_id"; END;
CREATE TRIGGER "count_users_posts_count_9549989e_update" AFTER UPDATE OF "author_id" ON "posts" WHEN OLD."author_id" IS NOT NEW."author_id" BEGIN UPDATE "users" SET "posts_count" = "posts_count" - 1 WHERE "id" = OLD."author_id"; UPDATE "users" SET "posts_count" = "posts_count" + 1 WHERE "id" = NEW."author_id"; END;
UPDATE "users" SET "posts_count" = (SELECT COUNT(*) FROM "posts" WHERE "posts"."author_id" = "users"."id") WHERE "posts_count" <> (SELECT COUNT(*) FROM "posts" WHERE "posts"."author_id" = "users"."id");
