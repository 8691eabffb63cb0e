-- Create index "user_name" to table: "users"
CREATE INDEX `user_name` ON `users` (`name`);
