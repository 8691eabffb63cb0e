-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_post_tags" table
CREATE TABLE `new_post_tags` (`post_id` integer NOT NULL, `tag_id` integer NOT NULL, PRIMARY KEY (`post_id`, `tag_id`), CONSTRAINT `post_tags_post_id` FOREIGN KEY (`post_id`) REFERENCES `posts` (`id`) ON DELETE CASCADE, CONSTRAINT `post_tags_tag_id` FOREIGN KEY (`tag_id`) REFERENCES `tags` (`id`) ON DELETE CASCADE);
-- Copy rows from old table "post_tags" to new temporary table "new_post_tags"
INSERT INTO `new_post_tags` (`post_id`, `tag_id`) SELECT `post_id`, `tag_id` FROM `post_tags`;
-- Drop "post_tags" table after copying rows
DROP TABLE `post_tags`;
-- Rename temporary table "new_post_tags" to "post_tags"
ALTER TABLE `new_post_tags` RENAME TO `post_tags`;
-- Create index "post_tags_tag_id" to table: "post_tags"
CREATE INDEX `post_tags_tag_id` ON `post_tags` (`tag_id`, `post_id`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
