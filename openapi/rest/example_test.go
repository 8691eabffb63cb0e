package rest_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/entblog/blog/ent/post"
	"github.com/entblog/blog/ent/tag"
	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database"
)

// Example is a second program using the API two ways: the typed REST client
// over HTTP (here against the server in-process, on a fresh SQLite file), and
// the ent client on the same database for a typed graph traversal.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "blog-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := database.Open(ctx, "sqlite:"+filepath.Join(dir, "blog.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	migrations, err := db.Migrations()
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Migrate(ctx, migrations, database.ApplyOptions{}); err != nil {
		log.Fatal(err)
	}
	h, err := server.New(ctx, db, slog.New(slog.DiscardHandler), server.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()

	// The typed REST client: a nested create, then a filtered list.
	c := rest.NewClient(ts.URL, ts.Client())
	u, err := c.CreateUser(ctx, rest.UserCreate{
		Name:    "alice",
		Profile: &rest.UserProfileCreate{Bio: "Gopher"},
		Posts: []rest.UserPostCreate{
			{Title: "Hello", Content: "…", Tags: []string{"go", "sql"}},
			{Title: "Again", Content: "…", Tags: []string{"go"}},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Name, u.Profile.Bio, len(u.Posts), "posts")
	page, err := c.ListPost(ctx, restkit.ListParams{Filter: map[string][]string{"tags.name.eq": {"sql"}}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tagged sql:", page.Items[0].Title)

	// The ent client on the same database: the titles of alice's posts
	// tagged go, a traversal user → posts → tags.
	titles, err := db.Client.User.GetX(ctx, u.ID).QueryPosts().
		Where(post.HasTagsWith(tag.Name("go"))).
		Order(post.ByTitle()).
		Select(post.FieldTitle).
		Strings(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tagged go:", strings.Join(titles, ", "))
	// Output:
	// alice Gopher 2 posts
	// tagged sql: Hello
	// tagged go: Again, Hello
}
