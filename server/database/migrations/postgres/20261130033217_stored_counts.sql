-- Modify "tags" table
ALTER TABLE "tags" ADD COLUMN "posts_count" bigint NOT NULL DEFAULT 0;
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "posts_count" bigint NOT NULL DEFAULT 0;
-- Create index "user_posts_count_name" to table: "users"
CREATE INDEX "user_posts_count_name" ON "users" ("posts_count" DESC, "name");
-- Create counter "count_tags_posts_count_1b076703" on "post_tags" (tags.posts_count counts the rows of post_tags by tag_id)
CREATE FUNCTION "count_tags_posts_count_1b076703"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM "tags" WHERE "id" IN (SELECT k FROM (SELECT k, SUM(n) AS n FROM (SELECT "tag_id" AS k, 1 AS n FROM new_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0) AS d) ORDER BY "id" FOR NO KEY UPDATE;
    UPDATE "tags" AS o SET "posts_count" = o."posts_count" + d.n FROM (SELECT k, SUM(n) AS n FROM (SELECT "tag_id" AS k, 1 AS n FROM new_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0) AS d WHERE o."id" = d.k;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM 1 FROM "tags" WHERE "id" IN (SELECT k FROM (SELECT k, SUM(n) AS n FROM (SELECT "tag_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0) AS d) ORDER BY "id" FOR NO KEY UPDATE;
    UPDATE "tags" AS o SET "posts_count" = o."posts_count" + d.n FROM (SELECT k, SUM(n) AS n FROM (SELECT "tag_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0) AS d WHERE o."id" = d.k;
  ELSE
    PERFORM 1 FROM "tags" WHERE "id" IN (SELECT k FROM (SELECT k, SUM(n) AS n FROM (SELECT "tag_id" AS k, 1 AS n FROM new_rows UNION ALL SELECT "tag_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0) AS d) ORDER BY "id" FOR NO KEY UPDATE;
    UPDATE "tags" AS o SET "posts_count" = o."posts_count" + d.n FROM (SELECT k, SUM(n) AS n FROM (SELECT "tag_id" AS k, 1 AS n FROM new_rows UNION ALL SELECT "tag_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0) AS d WHERE o."id" = d.k;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "count_tags_posts_count_1b076703_insert" AFTER INSERT ON "post_tags" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_tags_posts_count_1b076703"();
CREATE TRIGGER "count_tags_posts_count_1b076703_update" AFTER UPDATE ON "post_tags" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_tags_posts_count_1b076703"();
CREATE TRIGGER "count_tags_posts_count_1b076703_delete" AFTER DELETE ON "post_tags" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_tags_posts_count_1b076703"();
UPDATE "tags" SET "posts_count" = (SELECT COUNT(*) FROM "post_tags" WHERE "post_tags"."tag_id" = "tags"."id") WHERE "posts_count" <> (SELECT COUNT(*) FROM "post_tags" WHERE "post_tags"."tag_id" = "tags"."id");
-- Create counter "count_users_posts_count_b5b0e24e" on "posts" (users.posts_count counts the rows of posts by author_id)
CREATE FUNCTION "count_users_posts_count_b5b0e24e"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM "users" WHERE "id" IN (SELECT k FROM (SELECT k, SUM(n) AS n FROM (SELECT "author_id" AS k, 1 AS n FROM new_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0) AS d) ORDER BY "id" FOR NO KEY UPDATE;
    UPDATE "users" AS o SET "posts_count" = o."posts_count" + d.n FROM (SELECT k, SUM(n) AS n FROM (SELECT "author_id" AS k, 1 AS n FROM new_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0) AS d WHERE o."id" = d.k;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM 1 FROM "users" WHERE "id" IN (SELECT k FROM (SELECT k, SUM(n) AS n FROM (SELECT "author_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0) AS d) ORDER BY "id" FOR NO KEY UPDATE;
    UPDATE "users" AS o SET "posts_count" = o."posts_count" + d.n FROM (SELECT k, SUM(n) AS n FROM (SELECT "author_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0) AS d WHERE o."id" = d.k;
  ELSE
    PERFORM 1 FROM "users" WHERE "id" IN (SELECT k FROM (SELECT k, SUM(n) AS n FROM (SELECT "author_id" AS k, 1 AS n FROM new_rows UNION ALL SELECT "author_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0) AS d) ORDER BY "id" FOR NO KEY UPDATE;
    UPDATE "users" AS o SET "posts_count" = o."posts_count" + d.n FROM (SELECT k, SUM(n) AS n FROM (SELECT "author_id" AS k, 1 AS n FROM new_rows UNION ALL SELECT "author_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0) AS d WHERE o."id" = d.k;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "count_users_posts_count_b5b0e24e_insert" AFTER INSERT ON "posts" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_users_posts_count_b5b0e24e"();
CREATE TRIGGER "count_users_posts_count_b5b0e24e_update" AFTER UPDATE ON "posts" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_users_posts_count_b5b0e24e"();
CREATE TRIGGER "count_users_posts_count_b5b0e24e_delete" AFTER DELETE ON "posts" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_users_posts_count_b5b0e24e"();
UPDATE "users" SET "posts_count" = (SELECT COUNT(*) FROM "posts" WHERE "posts"."author_id" = "users"."id") WHERE "posts_count" <> (SELECT COUNT(*) FROM "posts" WHERE "posts"."author_id" = "users"."id");
