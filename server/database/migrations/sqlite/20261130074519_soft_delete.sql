-- Add column "deleted_at" to table: "users"
ALTER TABLE `users` ADD COLUMN `deleted_at` datetime NULL;
