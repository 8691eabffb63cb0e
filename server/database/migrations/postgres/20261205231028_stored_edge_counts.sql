-- Modify "posts" table
ALTER TABLE "posts" ADD COLUMN "tags_count" bigint NOT NULL DEFAULT 0;
-- Create index "post_tags_count" to table: "posts"
CREATE INDEX "post_tags_count" ON "posts" ("tags_count");
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "profile_count" bigint NOT NULL DEFAULT 0;
-- Create index "user_profile_count" to table: "users"
CREATE INDEX "user_profile_count" ON "users" ("profile_count");
-- Create counter "count_posts_tags_count_e55bd711" on "post_tags" (posts.tags_count counts the rows of post_tags by post_id)
CREATE FUNCTION "count_posts_tags_count_e55bd711"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH d AS (SELECT k, SUM(n) AS n FROM (SELECT "post_id" AS k, 1 AS n FROM new_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),
      locked AS (SELECT o."id" FROM "posts" AS o JOIN d ON o."id" = d.k ORDER BY o."id" FOR NO KEY UPDATE OF o)
    UPDATE "posts" AS o SET "tags_count" = o."tags_count" + d.n FROM d WHERE o."id" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;
  ELSIF TG_OP = 'DELETE' THEN
    WITH d AS (SELECT k, SUM(n) AS n FROM (SELECT "post_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),
      locked AS (SELECT o."id" FROM "posts" AS o JOIN d ON o."id" = d.k ORDER BY o."id" FOR NO KEY UPDATE OF o)
    UPDATE "posts" AS o SET "tags_count" = o."tags_count" + d.n FROM d WHERE o."id" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;
  ELSE
    WITH d AS (SELECT k, SUM(n) AS n FROM (SELECT "post_id" AS k, 1 AS n FROM new_rows UNION ALL SELECT "post_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),
      locked AS (SELECT o."id" FROM "posts" AS o JOIN d ON o."id" = d.k ORDER BY o."id" FOR NO KEY UPDATE OF o)
    UPDATE "posts" AS o SET "tags_count" = o."tags_count" + d.n FROM d WHERE o."id" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "count_posts_tags_count_e55bd711_insert" AFTER INSERT ON "post_tags" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_posts_tags_count_e55bd711"();
CREATE TRIGGER "count_posts_tags_count_e55bd711_update" AFTER UPDATE ON "post_tags" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_posts_tags_count_e55bd711"();
CREATE TRIGGER "count_posts_tags_count_e55bd711_delete" AFTER DELETE ON "post_tags" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_posts_tags_count_e55bd711"();
UPDATE "posts" SET "tags_count" = (SELECT COUNT(*) FROM "post_tags" WHERE "post_tags"."post_id" = "posts"."id") WHERE "tags_count" <> (SELECT COUNT(*) FROM "post_tags" WHERE "post_tags"."post_id" = "posts"."id");
-- Create counter "count_users_profile_count_57dfd971" on "profiles" (users.profile_count counts the rows of profiles by user_id)
CREATE FUNCTION "count_users_profile_count_57dfd971"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH d AS (SELECT k, SUM(n) AS n FROM (SELECT "user_id" AS k, 1 AS n FROM new_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),
      locked AS (SELECT o."id" FROM "users" AS o JOIN d ON o."id" = d.k ORDER BY o."id" FOR NO KEY UPDATE OF o)
    UPDATE "users" AS o SET "profile_count" = o."profile_count" + d.n FROM d WHERE o."id" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;
  ELSIF TG_OP = 'DELETE' THEN
    WITH d AS (SELECT k, SUM(n) AS n FROM (SELECT "user_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),
      locked AS (SELECT o."id" FROM "users" AS o JOIN d ON o."id" = d.k ORDER BY o."id" FOR NO KEY UPDATE OF o)
    UPDATE "users" AS o SET "profile_count" = o."profile_count" + d.n FROM d WHERE o."id" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;
  ELSE
    WITH d AS (SELECT k, SUM(n) AS n FROM (SELECT "user_id" AS k, 1 AS n FROM new_rows UNION ALL SELECT "user_id" AS k, -1 AS n FROM old_rows) AS c WHERE k IS NOT NULL GROUP BY k HAVING SUM(n) <> 0),
      locked AS (SELECT o."id" FROM "users" AS o JOIN d ON o."id" = d.k ORDER BY o."id" FOR NO KEY UPDATE OF o)
    UPDATE "users" AS o SET "profile_count" = o."profile_count" + d.n FROM d WHERE o."id" = d.k AND (SELECT COUNT(*) FROM locked) >= 0;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "count_users_profile_count_57dfd971_insert" AFTER INSERT ON "profiles" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_users_profile_count_57dfd971"();
CREATE TRIGGER "count_users_profile_count_57dfd971_update" AFTER UPDATE ON "profiles" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_users_profile_count_57dfd971"();
CREATE TRIGGER "count_users_profile_count_57dfd971_delete" AFTER DELETE ON "profiles" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_users_profile_count_57dfd971"();
UPDATE "users" SET "profile_count" = (SELECT COUNT(*) FROM "profiles" WHERE "profiles"."user_id" = "users"."id") WHERE "profile_count" <> (SELECT COUNT(*) FROM "profiles" WHERE "profiles"."user_id" = "users"."id");
