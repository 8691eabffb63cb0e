package server_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/database/dbtest"
)

// poolSize is the connection pool of the concurrency tests: fewer than the
// clients, so a handler that takes a second connection while it holds one
// stalls.
const poolSize = 4

// stall is longer than any request may take here: the request timeout
// (15 s) is what a stalled request would hit.
const stall = 5 * time.Second

// checkAnswer fails on an answer that is not a success or a client error.
func checkAnswer(t *testing.T, what string, took time.Duration, err error) {
	t.Helper()
	if took > stall {
		t.Errorf("%s took %s: a stall", what, took)
	}
	if err == nil {
		return
	}
	var e *restkit.Error
	if !errors.As(err, &e) || e.Status >= 500 {
		t.Errorf("%s: %v", what, err)
	}
}

// TestWriteRoutesUnderContention runs every write route from more clients
// than the pool has connections, on a few shared rows, and checks that no
// request stalls or fails with a 5xx and that the graph's invariants hold:
// no post over the tag bound, no orphan rows, one profile per user.
func TestWriteRoutesUnderContention(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		api.DB.SQL.SetMaxOpenConns(poolSize)
		ctx := context.Background()
		var users, posts []int
		for i := range 4 {
			u, err := api.CreateUser(ctx, rest.UserCreate{Name: fmt.Sprintf("u%d", i),
				Posts: []rest.UserPostCreate{{Title: "a", Content: "c", Tags: []string{"go", "db"}}, {Title: "b", Content: "c", Tags: []string{"go"}}}})
			if err != nil {
				t.Fatal(err)
			}
			users = append(users, u.ID)
			for _, p := range u.Posts {
				posts = append(posts, p.ID)
			}
		}
		pick := func(rng *rand.Rand, ids []int) int { return ids[rng.IntN(len(ids))] }
		routes := []struct {
			name string
			call func(rng *rand.Rand) error
		}{
			{"POST /users", func(rng *rand.Rand) error {
				_, err := api.CreateUser(ctx, rest.UserCreate{Name: "n", Profile: &rest.UserProfileCreate{Bio: "b"},
					Posts: []rest.UserPostCreate{{Title: "t", Content: "c", Tags: []string{"go", fmt.Sprint("t", rng.IntN(5))}}}})
				return err
			}},
			{"PATCH /users/{id}", func(rng *rand.Rand) error {
				_, err := api.UpdateUser(ctx, pick(rng, users), rest.UserUpdate{Name: ptr("renamed")})
				return err
			}},
			{"DELETE /users/{id}", func(rng *rand.Rand) error { return api.DeleteUser(ctx, pick(rng, users)) }},
			{"PUT /users/{id}/profile", func(rng *rand.Rand) error {
				_, err := api.PutUserProfile(ctx, pick(rng, users), rest.UserProfileCreate{Bio: "p"})
				return err
			}},
			{"DELETE /users/{id}/profile", func(rng *rand.Rand) error { return api.DeleteUserProfile(ctx, pick(rng, users)) }},
			{"POST /profiles", func(rng *rand.Rand) error {
				_, err := api.CreateProfile(ctx, rest.ProfileCreate{Bio: "p", UserID: pick(rng, users)})
				return err
			}},
			{"PATCH /profiles/{id}", func(rng *rand.Rand) error {
				_, err := api.UpdateProfile(ctx, rng.IntN(10)+1, rest.ProfileUpdate{Bio: ptr("q")})
				return err
			}},
			{"DELETE /profiles/{id}", func(rng *rand.Rand) error { return api.DeleteProfile(ctx, rng.IntN(10)+1) }},
			{"POST /posts", func(rng *rand.Rand) error {
				_, err := api.CreatePost(ctx, rest.PostCreate{Title: "t", Content: "c", AuthorID: pick(rng, users), Tags: []string{"go", "new"}})
				return err
			}},
			{"PATCH /posts/{id}", func(rng *rand.Rand) error {
				_, err := api.UpdatePost(ctx, pick(rng, posts), rest.PostUpdate{Tags: restkit.ReplaceWith("db", "web")})
				return err
			}},
			{"DELETE /posts/{id}", func(rng *rand.Rand) error { return api.DeletePost(ctx, pick(rng, posts)) }},
			{"PUT /posts/{id}/tags", func(rng *rand.Rand) error {
				_, err := api.SetPostTags(ctx, pick(rng, posts), "go", "sql")
				return err
			}},
			{"POST /posts/{id}/tags", func(rng *rand.Rand) error {
				_, err := api.AddPostTags(ctx, pick(rng, posts), "web", fmt.Sprint("t", rng.IntN(5)))
				return err
			}},
			{"DELETE /posts/{id}/tags/{name}", func(rng *rand.Rand) error { return api.RemovePostTag(ctx, pick(rng, posts), "go") }},
			{"POST /tags", func(rng *rand.Rand) error {
				_, err := api.CreateTag(ctx, rest.TagCreate{Name: fmt.Sprint("x", rng.IntN(1_000_000)), Posts: []int{pick(rng, posts), pick(rng, posts)}})
				return err
			}},
			{"PATCH /tags/{id}", func(rng *rand.Rand) error {
				_, err := api.UpdateTag(ctx, rng.IntN(6)+1, rest.TagUpdate{Posts: restkit.ReplaceWith(pick(rng, posts))})
				return err
			}},
			{"DELETE /tags/{id}", func(rng *rand.Rand) error { return api.DeleteTag(ctx, rng.IntN(6)+1) }},
		}
		// Every route at once, each from 2 clients: 34 clients, 4 connections.
		var wg sync.WaitGroup
		for i, rt := range append(routes, routes...) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(i), 1))
				for range 6 {
					start := time.Now()
					err := rt.call(rng)
					checkAnswer(t, rt.name, time.Since(start), err)
				}
			}()
		}
		wg.Wait()
		checkInvariants(t, api)
	})
}

// TestTagBoundUnderConcurrency: concurrent creates of tags linked to posts
// with 99 tags leave each with 100, not more.
func TestTagBoundUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		u, err := api.CreateUser(ctx, rest.UserCreate{Name: "a"})
		if err != nil {
			t.Fatal(err)
		}
		names := make([]string, rest.MaxLinks-1)
		for i := range names {
			names[i] = fmt.Sprint("tag", i)
		}
		var posts []int
		for range 4 {
			p, err := api.CreatePost(ctx, rest.PostCreate{Title: "t", Content: "c", AuthorID: u.ID, Tags: names})
			if err != nil {
				t.Fatal(err)
			}
			posts = append(posts, p.ID)
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				begin := time.Now()
				_, err := api.CreateTag(ctx, rest.TagCreate{Name: fmt.Sprint("late", i), Posts: []int{posts[i%len(posts)]}})
				checkAnswer(t, "POST /tags", time.Since(begin), err)
			}()
		}
		close(start)
		wg.Wait()
		for _, p := range posts {
			if n := api.count(t, "post_tags", fmt.Sprintf("post_id = %d", p)); n != rest.MaxLinks {
				t.Errorf("got %d tags on post %d, want the bound, %d", n, p, rest.MaxLinks)
			}
		}
	})
}

// TestDeleteUserRacingTagLinks: deleting a user while its posts get tags
// deletes the user (no deadlock answered as an error) on both databases.
func TestDeleteUserRacingTagLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		for round := range 6 {
			u, err := api.CreateUser(ctx, rest.UserCreate{Name: "a", Posts: []rest.UserPostCreate{
				{Title: "1", Content: "c", Tags: []string{"go"}}, {Title: "2", Content: "c", Tags: []string{"db"}}}})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for _, p := range u.Posts {
				wg.Add(1)
				go func() {
					defer wg.Done()
					start := time.Now()
					_, err := api.AddPostTags(ctx, p.ID, "web", fmt.Sprint("r", round))
					checkAnswer(t, "POST /posts/{id}/tags", time.Since(start), err)
				}()
			}
			start := time.Now()
			err = api.DeleteUser(ctx, u.ID)
			checkAnswer(t, "DELETE /users/{id}", time.Since(start), err)
			wg.Wait()
			if err != nil {
				t.Fatalf("round %d: deleting the user: %v", round, err)
			}
		}
		checkInvariants(t, api)
	})
}

// checkInvariants checks what no sequence of requests may break.
func checkInvariants(t *testing.T, api *testAPI) {
	t.Helper()
	for _, c := range []struct{ what, table, where string }{
		{"posts over the tag bound", "(SELECT post_id FROM post_tags GROUP BY post_id HAVING COUNT(*) > " + fmt.Sprint(rest.MaxLinks) + ") o", ""},
		{"links of no post", "post_tags", "post_id NOT IN (SELECT id FROM posts)"},
		{"links of no tag", "post_tags", "tag_id NOT IN (SELECT id FROM tags)"},
		{"posts of no user", "posts", "author_id NOT IN (SELECT id FROM users)"},
		{"profiles of no user", "profiles", "user_id NOT IN (SELECT id FROM users)"},
		{"users with two profiles", "(SELECT user_id FROM profiles GROUP BY user_id HAVING COUNT(*) > 1) d", ""},
	} {
		if n := api.count(t, c.table, c.where); n != 0 {
			t.Errorf("%d %s", n, c.what)
		}
	}
}
