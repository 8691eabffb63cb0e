package database

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/entblog/blog/ent"
	"github.com/entblog/blog/ent/entx"
	"github.com/entblog/blog/ent/entx/softdelete"
	"github.com/entblog/blog/ent/migrate"
	"github.com/entblog/blog/openapi/rest"

	"entgo.io/ent/dialect"
	entschema "entgo.io/ent/dialect/sql/schema"
)

// SeedConfig sizes the demo data of Seed.
type SeedConfig struct {
	Users, PostsPerUser, Tags, TagsPerPost int
	// Seed makes the data deterministic: the same seed, the same data.
	Seed uint64
	// Batch is the number of rows per insert statement.
	Batch int
	// Reset empties every table of the schema first, in the seeding's
	// transaction: a failed seed leaves the rows that were there.
	Reset bool
}

// Validate reports what is wrong with c.
func (c SeedConfig) Validate() error {
	var errs []error
	if c.Users < 0 || c.PostsPerUser < 0 || c.Tags < 0 || c.TagsPerPost < 0 || c.Batch <= 0 {
		errs = append(errs, errors.New("counts must not be negative and the batch must be positive"))
	}
	if c.TagsPerPost > c.Tags {
		errs = append(errs, fmt.Errorf("tags per post (%d) exceeds tags (%d)", c.TagsPerPost, c.Tags))
	}
	return errors.Join(errs...)
}

// words make up titles and contents.
var words = strings.Fields(`graph query schema index join tag post user profile migrate cursor page
	filter sort count eager load ent go sql postgres sqlite atlas chi spec openapi rest client server
	latency throughput pool transaction upsert cascade`)

// Seed fills an empty database with demo data in one transaction, with bulk
// inserts of Batch rows: users with a profile each, PostsPerUser posts per
// user (about 190 characters of content) and TagsPerPost of Tags tags per
// post. progress is called with the rows written so far and the total.
func (db *DB) Seed(ctx context.Context, c SeedConfig, progress func(done, total int)) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if n, err := db.Client.User.Query().Count(softdelete.Show(ctx, softdelete.All)); err != nil {
		return err
	} else if n > 0 && !c.Reset {
		return fmt.Errorf("the database already has %d users; seed an empty one, or reset it (--reset)", n)
	}
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	posts := c.Users * c.PostsPerUser
	total, done := c.Tags+2*c.Users+posts, 0
	step := func(n int) {
		done += n
		if progress != nil {
			progress(done, total)
		}
	}
	return entx.WithTx(ctx, db.Client, func(tx *ent.Tx) error {
		if c.Reset {
			if err := emptyTables(ctx, tx.Driver(), db.Dialect); err != nil {
				return err
			}
		}
		// On PostgreSQL the stored counts' triggers are off while the
		// rows go in, and the counts not written with the rows (below)
		// are filled once at the end: a transaction updating the same
		// 1,000 tag rows once per batch leaves each a chain of versions
		// every later update walks (a million posts took over 7 minutes
		// instead of under 3).
		counted := make(map[string]bool)
		if db.Dialect == dialect.Postgres {
			for _, c := range rest.StoredCounts() {
				counted[c.Rows] = true
			}
		}
		triggers := func(action string) error {
			for table := range counted {
				if err := tx.Driver().Exec(ctx, fmt.Sprintf("ALTER TABLE %s %s TRIGGER USER", quote(table), action), []any{}, nil); err != nil {
					return fmt.Errorf("seeding: %s the triggers of %s: %w", strings.ToLower(action), table, err)
				}
			}
			return nil
		}
		if err := triggers("DISABLE"); err != nil {
			return err
		}
		tagIDs, err := batches(c.Tags, c.Batch, func(i int) *ent.TagCreate {
			return tx.Tag.Create().SetName(fmt.Sprintf("tag%03d", i))
		}, func(bs []*ent.TagCreate) ([]int, error) {
			rows, err := tx.Tag.CreateBulk(bs...).Save(ctx)
			return ids(rows, func(t *ent.Tag) int { return t.ID }), err
		}, step)
		if err != nil {
			return fmt.Errorf("seeding tags: %w", err)
		}
		// With the triggers off, the counts known in advance are written
		// with the rows: filling them afterwards would write every user
		// and post row twice, leaving the tables half dead versions.
		preset := len(counted) > 0
		userIDs, err := batches(c.Users, c.Batch, func(i int) *ent.UserCreate {
			u := tx.User.Create().SetName(fmt.Sprintf("user%05d", i)).SetEmail(fmt.Sprintf("user%05d@example.com", i))
			if preset {
				u.SetPostsCount(c.PostsPerUser).SetProfileCount(1)
			}
			return u
		}, func(bs []*ent.UserCreate) ([]int, error) {
			rows, err := tx.User.CreateBulk(bs...).Save(ctx)
			return ids(rows, func(u *ent.User) int { return u.ID }), err
		}, step)
		if err != nil {
			return fmt.Errorf("seeding users: %w", err)
		}
		if _, err := batches(c.Users, c.Batch, func(i int) *ent.ProfileCreate {
			return tx.Profile.Create().SetUserID(userIDs[i]).SetBio(sentence(rng, 8))
		}, func(bs []*ent.ProfileCreate) ([]int, error) {
			return nil, tx.Profile.CreateBulk(bs...).Exec(ctx)
		}, step); err != nil {
			return fmt.Errorf("seeding profiles: %w", err)
		}
		if _, err := batches(posts, c.Batch, func(i int) *ent.PostCreate {
			p := tx.Post.Create().
				SetAuthorID(userIDs[i/c.PostsPerUser]).
				SetTitle(sentence(rng, 4)).
				SetContent(content(rng))
			if preset {
				p.SetTagsCount(c.TagsPerPost)
			}
			for _, j := range rng.Perm(c.Tags)[:c.TagsPerPost] {
				p.AddTagIDs(tagIDs[j])
			}
			return p
		}, func(bs []*ent.PostCreate) ([]int, error) {
			return nil, tx.Post.CreateBulk(bs...).Exec(ctx)
		}, step); err != nil {
			return fmt.Errorf("seeding posts: %w", err)
		}
		if len(counted) == 0 {
			return nil
		}
		if err := triggers("ENABLE"); err != nil {
			return err
		}
		for _, c := range rest.StoredCounts() {
			if err := tx.Driver().Exec(ctx, fillCounter(c), []any{}, nil); err != nil {
				return fmt.Errorf("seeding: filling %s.%s: %w", c.Table, c.Column, err)
			}
		}
		return nil
	})
}

// batches builds n rows and saves them batch at a time with save, which
// returns their ids (or none); it returns all the ids in order.
func batches[B any](n, batch int, build func(int) B, save func([]B) ([]int, error), step func(int)) ([]int, error) {
	var all []int
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		bs := make([]B, 0, end-start)
		for i := start; i < end; i++ {
			bs = append(bs, build(i))
		}
		got, err := save(bs)
		if err != nil {
			return nil, err
		}
		all = append(all, got...)
		step(end - start)
	}
	return all, nil
}

func ids[E any](rows []E, id func(E) int) []int {
	out := make([]int, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}

func sentence(rng *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[rng.IntN(len(words))]
	}
	s := strings.Join(ws, " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// content is about 190 characters of text.
func content(rng *rand.Rand) string {
	var b strings.Builder
	for b.Len() < 180 {
		b.WriteString(sentence(rng, 6))
		b.WriteString(". ")
	}
	return strings.TrimSpace(b.String())
}

// emptyTables deletes every row of the schema's tables (not the migration
// revisions) through drv: one TRUNCATE restarting the id sequences on
// PostgreSQL; on SQLite a DELETE per table, referring tables first, and the
// AUTOINCREMENT counters reset.
func emptyTables(ctx context.Context, drv dialect.ExecQuerier, dia string) error {
	tables := byDependency(migrate.Tables)
	slices.Reverse(tables) // referring tables first
	quoted := make([]string, len(tables))
	for i, t := range tables {
		quoted[i] = quote(t.Name)
	}
	stmts := []string{"TRUNCATE " + strings.Join(quoted, ", ") + " RESTART IDENTITY"}
	if dia == dialect.SQLite {
		stmts = stmts[:0]
		for _, q := range quoted {
			stmts = append(stmts, "DELETE FROM "+q)
		}
		stmts = append(stmts, "DELETE FROM sqlite_sequence")
	}
	for _, q := range stmts {
		if err := drv.Exec(ctx, q, []any{}, nil); err != nil {
			return fmt.Errorf("resetting: %s: %w", q, err)
		}
	}
	return nil
}

// byDependency orders tables so that each comes after the tables its
// foreign keys refer to (a cycle's tables end up in schema order).
func byDependency(tables []*entschema.Table) []*entschema.Table {
	var out []*entschema.Table
	left := slices.Clone(tables)
	for len(left) > 0 {
		var next []*entschema.Table
		for _, t := range left {
			refers := slices.ContainsFunc(t.ForeignKeys, func(fk *entschema.ForeignKey) bool {
				return fk.RefTable != t && slices.Contains(left, fk.RefTable)
			})
			if refers {
				next = append(next, t)
			} else {
				out = append(out, t)
			}
		}
		if len(next) == len(left) {
			return append(out, next...)
		}
		left = next
	}
	return out
}
