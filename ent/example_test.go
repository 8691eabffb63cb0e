// Runnable examples of the ent client for the queries of the reference
// design. Hand-written: this file is not generated.
package ent_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"strings"

	"github.com/entblog/blog/ent"
	"github.com/entblog/blog/ent/entx/softdelete"
	"github.com/entblog/blog/ent/post"
	_ "github.com/entblog/blog/ent/runtime" // the schema's defaults, validators, hooks and interceptors
	"github.com/entblog/blog/ent/tag"
	"github.com/entblog/blog/ent/user"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "modernc.org/sqlite"
)

// openExample returns a client over a fresh in-memory SQLite database
// holding alice (a profile; posts "Go tips" [go, sql] and "SQL joins"
// [sql]), bob (a post "Go generics" [go]) and carol (nothing).
func openExample(name string) (*ent.Client, context.Context) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+name+"?mode=memory&cache=shared&_pragma=foreign_keys(1)")
	if err != nil {
		log.Fatal(err)
	}
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dialect.SQLite, db)))
	if err := client.Schema.Create(ctx); err != nil {
		log.Fatal(err)
	}
	goTag := client.Tag.Create().SetName("go").SaveX(ctx)
	sqlTag := client.Tag.Create().SetName("sql").SaveX(ctx)
	alice := client.User.Create().SetName("alice").SetEmail("alice@example.com").SaveX(ctx)
	bob := client.User.Create().SetName("bob").SaveX(ctx)
	client.User.Create().SetName("carol").SaveX(ctx)
	client.Profile.Create().SetBio("Gopher").SetUser(alice).SaveX(ctx)
	client.Post.Create().SetTitle("Go tips").SetContent("…").SetAuthor(alice).AddTags(goTag, sqlTag).SaveX(ctx)
	client.Post.Create().SetTitle("SQL joins").SetContent("…").SetAuthor(alice).AddTags(sqlTag).SaveX(ctx)
	client.Post.Create().SetTitle("Go generics").SetContent("…").SetAuthor(bob).AddTags(goTag).SaveX(ctx)
	return client, ctx
}

// Inner join: the users who have posts.
func ExampleUserQuery_innerJoin() {
	client, ctx := openExample("inner")
	defer client.Close()
	names := client.User.Query().
		Where(user.HasPosts()).
		Order(ent.Asc(user.FieldName)).
		Select(user.FieldName).
		StringsX(ctx)
	fmt.Println(names)
	// Output: [alice bob]
}

// Left outer join: every user, with or without posts (loaded in one more
// query, not one per user).
func ExampleUserQuery_WithPosts() {
	client, ctx := openExample("left")
	defer client.Close()
	users := client.User.Query().
		WithPosts(func(q *ent.PostQuery) { q.Order(ent.Asc(post.FieldID)) }).
		Order(ent.Asc(user.FieldName)).
		AllX(ctx)
	for _, u := range users {
		var titles []string
		for _, p := range u.Edges.Posts {
			titles = append(titles, p.Title)
		}
		fmt.Printf("%s: %d %v\n", u.Name, len(titles), titles)
	}
	// Output:
	// alice: 2 [Go tips SQL joins]
	// bob: 1 [Go generics]
	// carol: 0 []
}

// A join with several conditions: posts by alice tagged sql whose title
// contains "go", ignoring case.
func ExamplePostQuery_severalConditions() {
	client, ctx := openExample("several")
	defer client.Close()
	titles := client.Post.Query().
		Where(
			post.HasAuthorWith(user.Name("alice")),
			post.HasTagsWith(tag.Name("sql")),
			post.TitleContainsFold("go"),
		).
		Select(post.FieldTitle).
		StringsX(ctx)
	fmt.Println(titles)
	// Output: [Go tips]
}

// Posts by author name.
func ExamplePostQuery_byAuthorName() {
	client, ctx := openExample("byauthor")
	defer client.Close()
	titles := client.Post.Query().
		Where(post.HasAuthorWith(user.Name("bob"))).
		Select(post.FieldTitle).
		StringsX(ctx)
	fmt.Println(titles)
	// Output: [Go generics]
}

// Post count per user: GROUP BY author_id.
func ExamplePostQuery_GroupBy() {
	client, ctx := openExample("groupby")
	defer client.Close()
	var counts []struct {
		AuthorID int `json:"author_id"`
		Count    int `json:"count"`
	}
	client.Post.Query().
		GroupBy(post.FieldAuthorID).
		Aggregate(ent.Count()).
		ScanX(ctx, &counts)
	names := map[int]string{}
	for _, u := range client.User.Query().AllX(ctx) {
		names[u.ID] = u.Name
	}
	for _, c := range counts {
		fmt.Printf("%s: %d\n", names[c.AuthorID], c.Count)
	}
	// Output:
	// alice: 2
	// bob: 1
}

// Users with at least N posts: GROUP BY … HAVING COUNT(*) >= N, as a
// subquery predicate.
func ExampleUserQuery_having() {
	client, ctx := openExample("having")
	defer client.Close()
	atLeast := func(n int) func(*entsql.Selector) {
		return func(s *entsql.Selector) {
			p := entsql.Table(post.Table)
			authors := entsql.Select(p.C(post.FieldAuthorID)).
				From(p).
				GroupBy(p.C(post.FieldAuthorID)).
				Having(entsql.GTE(entsql.Count("*"), n))
			s.Where(entsql.In(s.C(user.FieldID), authors))
		}
	}
	names := client.User.Query().
		Where(atLeast(2)).
		Select(user.FieldName).
		StringsX(ctx)
	fmt.Println(names)
	// Output: [alice]
}

// Multi-hop traversal: the tags of a user's posts.
func ExampleUserQuery_QueryPosts() {
	client, ctx := openExample("hops")
	defer client.Close()
	tags := client.User.Query().
		Where(user.Name("alice")).
		QueryPosts().
		QueryTags().
		Unique(true).
		Order(ent.Asc(tag.FieldName)).
		Select(tag.FieldName).
		StringsX(ctx)
	fmt.Println(tags)
	// Output: [go sql]
}

// Multi-hop traversal: the other posts sharing a tag with a post.
func ExamplePostQuery_QueryTags() {
	client, ctx := openExample("sharing")
	defer client.Close()
	tips := client.Post.Query().Where(post.Title("Go tips")).OnlyX(ctx)
	related := tips.QueryTags().
		QueryPosts().
		Where(post.IDNEQ(tips.ID)).
		Unique(true).
		Order(ent.Asc(post.FieldTitle)).
		Select(post.FieldTitle).
		StringsX(ctx)
	fmt.Println(related)
	// Output: [Go generics SQL joins]
}

// Eager loading of the whole graph: profile, posts and each post's tags,
// one query per level.
func ExampleUserQuery_WithProfile() {
	client, ctx := openExample("eager")
	defer client.Close()
	alice := client.User.Query().
		Where(user.Name("alice")).
		WithProfile().
		WithPosts(func(q *ent.PostQuery) {
			q.WithTags(func(q *ent.TagQuery) { q.Order(ent.Asc(tag.FieldName)) }).
				Order(ent.Asc(post.FieldID))
		}).
		OnlyX(ctx)
	fmt.Println(alice.Name, "-", alice.Edges.Profile.Bio)
	for _, p := range alice.Edges.Posts {
		var names []string
		for _, t := range p.Edges.Tags {
			names = append(names, t.Name)
		}
		fmt.Printf("  %s [%s]\n", p.Title, strings.Join(names, ", "))
	}
	// Output:
	// alice - Gopher
	//   Go tips [go, sql]
	//   SQL joins [sql]
}

// Soft delete: users embed softdelete.Mixin, so a delete sets deleted_at
// and queries leave the user out unless the context asks for it;
// softdelete.Hard deletes the row.
func ExampleUserClient_DeleteOneID() {
	client, ctx := openExample("soft")
	defer client.Close()
	carol := client.User.Query().Where(user.Name("carol")).OnlyX(ctx)
	client.User.DeleteOneID(carol.ID).ExecX(ctx)
	fmt.Println(client.User.Query().CountX(ctx), client.User.Query().CountX(softdelete.Show(ctx, softdelete.All)))
	gone := client.User.Query().Where(user.Name("carol")).OnlyX(softdelete.Show(ctx, softdelete.Deleted))
	fmt.Println(gone.DeletedAt != nil)
	client.User.DeleteOneID(carol.ID).ExecX(softdelete.Hard(ctx))
	fmt.Println(client.User.Query().CountX(softdelete.Show(ctx, softdelete.All)))
	// Output:
	// 2 3
	// true
	// 2
}
