-- Create extension "pg_trgm" (operator classes of indexes)
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- Create index "posts_content_trgm" to table: "posts"
CREATE INDEX "posts_content_trgm" ON "posts" USING gin ("content" gin_trgm_ops);
-- Create index "posts_title_trgm" to table: "posts"
CREATE INDEX "posts_title_trgm" ON "posts" USING gin ("title" gin_trgm_ops);
-- Create index "user_name" to table: "users"
CREATE INDEX "user_name" ON "users" ("name");
-- Create index "users_email_trgm" to table: "users"
CREATE INDEX "users_email_trgm" ON "users" USING gin ("email" gin_trgm_ops);
-- Create index "users_name_trgm" to table: "users"
CREATE INDEX "users_name_trgm" ON "users" USING gin ("name" gin_trgm_ops);
