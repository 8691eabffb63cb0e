-- Modify "tags" table
ALTER TABLE "tags" ADD COLUMN "posts_count" bigint NOT NULL DEFAULT 0;
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "posts_count" bigint NOT NULL DEFAULT 0;
-- Create index "user_posts_count_name" to table: "users"
CREATE INDEX "user_posts_count_name" ON "users" ("posts_count" DESC, "name");
-- Create counter "count_tags_posts_count_8035b041" on "post_tags" (tags.posts_count counts the rows of post_tags by tag_id)
CREATE FUNCTION "count_tags_posts_count_8035b041"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH d AS (SELECT k, SUM(n) AS n FROM (SELECT "tag_id" AS k, 1 AS n FROM new_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),
      locked AS (SELECT o."id" FROM "tags" AS o JOIN d ON o."id" = d.k ORDER BY o."id" FOR NO KEY UPDATE OF o)
    UPDATE "tags" AS o SET "posts_count" = o."posts_count" + d.n FROM d WHERE o."id" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;
  ELSIF TG_OP = 'DELETE' THEN
    WITH d AS (SELECT k, SUM(n) AS n FROM (SELECT "tag_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),
      locked AS (SELECT o."id" FROM "tags" AS o JOIN d ON o."id" = d.k ORDER BY o."id" FOR NO KEY UPDATE OF o)
    UPDATE "tags" AS o SET "posts_count" = o."posts_count" + d.n FROM d WHERE o."id" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;
  ELSE
    WITH d AS (SELECT k, SUM(n) AS n FROM (SELECT "tag_id" AS k, 1 AS n FROM new_rows UNION ALL SELECT "tag_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),
      locked AS (SELECT o."id" FROM "tags" AS o JOIN d ON o."id" = d.k ORDER BY o."id" FOR NO KEY UPDATE OF o)
    UPDATE "tags" AS o SET "posts_count" = o."posts_count" + d.n FROM d WHERE o."id" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "count_tags_posts_count_8035b041_insert" AFTER INSERT ON "post_tags" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_tags_posts_count_8035b041"();
CREATE TRIGGER "count_tags_posts_count_8035b041_update" AFTER UPDATE ON "post_tags" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_tags_posts_count_8035b041"();
CREATE TRIGGER "count_tags_posts_count_8035b041_delete" AFTER DELETE ON "post_tags" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_tags_posts_count_8035b041"();
UPDATE "tags" SET "posts_count" = (SELECT COUNT(*) FROM "post_tags" WHERE "post_tags"."tag_id" = "tags"."id") WHERE "posts_count" <> (SELECT COUNT(*) FROM "post_tags" WHERE "post_tags"."tag_id" = "tags"."id");
-- Create counter "count_users_posts_count_49ac91d8" on "posts" (users.posts_count counts the rows of posts by author_id)
CREATE FUNCTION "count_users_posts_count_49ac91d8"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH d AS (SELECT k, SUM(n) AS n FROM (SELECT "author_id" AS k, 1 AS n FROM new_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),
      locked AS (SELECT o."id" FROM "users" AS o JOIN d ON o."id" = d.k ORDER BY o."id" FOR NO KEY UPDATE OF o)
    UPDATE "users" AS o SET "posts_count" = o."posts_count" + d.n FROM d WHERE o."id" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;
  ELSIF TG_OP = 'DELETE' THEN
    WITH d AS (SELECT k, SUM(n) AS n FROM (SELECT "author_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),
      locked AS (SELECT o."id" FROM "users" AS o JOIN d ON o."id" = d.k ORDER BY o."id" FOR NO KEY UPDATE OF o)
    UPDATE "users" AS o SET "posts_count" = o."posts_count" + d.n FROM d WHERE o."id" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;
  ELSE
    WITH d AS (SELECT k, SUM(n) AS n FROM (SELECT "author_id" AS k, 1 AS n FROM new_rows UNION ALL SELECT "author_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),
      locked AS (SELECT o."id" FROM "users" AS o JOIN d ON o."id" = d.k ORDER BY o."id" FOR NO KEY UPDATE OF o)
    UPDATE "users" AS o SET "posts_count" = o."posts_count" + d.n FROM d WHERE o."id" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "count_users_posts_count_49ac91d8_insert" AFTER INSERT ON "posts" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_users_posts_count_49ac91d8"();
CREATE TRIGGER "count_users_posts_count_49ac91d8_update" AFTER UPDATE ON "posts" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_users_posts_count_49ac91d8"();
CREATE TRIGGER "count_users_posts_count_49ac91d8_delete" AFTER DELETE ON "posts" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_users_posts_count_49ac91d8"();
UPDATE "users" SET "posts_count" = (SELECT COUNT(*) FROM "posts" WHERE "posts"."author_id" = "users"."id") WHERE "posts_count" <> (SELECT COUNT(*) FROM "posts" WHERE "posts"."author_id" = "users"."id");
