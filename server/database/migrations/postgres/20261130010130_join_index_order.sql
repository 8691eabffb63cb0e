-- Drop index "post_tags_tag_id" from table: "post_tags"
DROP INDEX "post_tags_tag_id";
-- Create index "post_tags_tag_id" to table: "post_tags"
CREATE INDEX "post_tags_tag_id" ON "post_tags" ("tag_id", "post_id");
