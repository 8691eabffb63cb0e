package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/database/dbtest"
)

// apiError asserts that err is a *restkit.Error with status code and returns it.
func apiError(t *testing.T, err error, code int) *restkit.Error {
	t.Helper()
	var e *restkit.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want a %d API error", err, code)
	}
	if e.Status != code {
		t.Fatalf("got status %d (%s), want %d", e.Status, e, code)
	}
	if e.Type != restkit.ProblemType || e.Title != http.StatusText(code) || e.Detail == "" || e.RequestID == "" || e.Instance == "" {
		t.Errorf("error body %+v lacks type, title, detail, instance or request ID", e)
	}
	return e
}

// wantField asserts that e names field (in location in) as invalid.
func wantField(t *testing.T, e *restkit.Error, in, field string) {
	t.Helper()
	f := e.Field(field)
	if f == nil || f.In != in || f.Message == "" {
		t.Errorf("got errors %+v, want one about %s %q", e.Errors, in, field)
	}
}

func TestUserCRUD(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()

		t.Run("CreateReturns201AndLocation", func(t *testing.T) {
			resp, body := api.do(t, http.MethodPost, "/users", "application/json", `{"name":"loc"}`)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("got %d, want 201: %s", resp.StatusCode, body)
			}
			if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/users/") {
				t.Errorf("got Location %q, want /users/{id}", loc)
			}
		})

		u, err := api.CreateUser(ctx, rest.UserCreate{Name: "alice", Email: ptr("alice@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Name != "alice" || u.Email == nil || *u.Email != "alice@example.com" || u.CreatedAt.IsZero() {
			t.Fatalf("got %+v, want alice with id, email and timestamps", u)
		}

		t.Run("Read", func(t *testing.T) {
			got, err := api.ReadUser(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != u.Name || *got.Email != *u.Email || !got.CreatedAt.Equal(u.CreatedAt) {
				t.Errorf("got %+v, want %+v", got, u)
			}
		})

		t.Run("PatchChangesOnlyPresentFields", func(t *testing.T) {
			got, err := api.UpdateUser(ctx, u.ID, rest.UserUpdate{Name: ptr("alicia")})
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != "alicia" || got.Email == nil || *got.Email != "alice@example.com" {
				t.Errorf("got %+v, want name changed and email kept", got)
			}
			if !got.CreatedAt.Equal(u.CreatedAt) || !got.UpdatedAt.After(u.UpdatedAt) {
				t.Errorf("got created %v updated %v, want created kept and updated after %v", got.CreatedAt, got.UpdatedAt, u.UpdatedAt)
			}
		})

		t.Run("PatchNullClearsNullableField", func(t *testing.T) {
			got, err := api.UpdateUser(ctx, u.ID, rest.UserUpdate{Email: restkit.Null[string]()})
			if err != nil {
				t.Fatal(err)
			}
			if got.Email != nil || got.Name != "alicia" {
				t.Errorf("got %+v, want email cleared and name kept", got)
			}
		})

		t.Run("Delete", func(t *testing.T) {
			if err := api.DeleteUser(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			_, err := api.ReadUser(ctx, u.ID)
			apiError(t, err, http.StatusNotFound)
			apiError(t, api.DeleteUser(ctx, u.ID), http.StatusNotFound)
			_, err = api.UpdateUser(ctx, u.ID, rest.UserUpdate{Name: ptr("x")})
			apiError(t, err, http.StatusNotFound)
		})
	})
}

func TestListPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		var ids []int
		for i := range 5 {
			tag, err := api.CreateTag(ctx, rest.TagCreate{Name: fmt.Sprintf("tag%d", i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tag.ID)
		}
		var seen []int
		for page := 1; page <= 3; page++ {
			got, err := tagsOf(api.ListTag(ctx, restkit.ListParams{Page: page, ItemsPerPage: 2}))
			if err != nil {
				t.Fatal(err)
			}
			if want := min(2, 5-(page-1)*2); len(got) != want {
				t.Fatalf("page %d: got %d tags, want %d", page, len(got), want)
			}
			for _, tag := range got {
				seen = append(seen, tag.ID)
			}
		}
		if !slices.Equal(seen, ids) {
			t.Errorf("got ids %v over the pages, want %v in id order", seen, ids)
		}
		all, err := tagsOf(api.ListTag(ctx, restkit.ListParams{}))
		if err != nil || len(all) != 5 {
			t.Errorf("default page: got %d tags (%v), want 5", len(all), err)
		}
		_, err = tagsOf(api.ListTag(ctx, restkit.ListParams{ItemsPerPage: rest.DefaultPageSize*10 + 1}))
		wantField(t, apiError(t, err, http.StatusBadRequest), "query", "itemsPerPage")
		_, err = tagsOf(api.ListTag(ctx, restkit.ListParams{Page: -1}))
		wantField(t, apiError(t, err, http.StatusBadRequest), "query", "page")
	})
}

func TestValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		u, err := api.CreateUser(ctx, rest.UserCreate{Name: "author"})
		if err != nil {
			t.Fatal(err)
		}

		typed := []struct {
			name      string
			call      func() error
			in, field string
		}{
			{"ErrNameTooLong", func() error {
				_, err := api.CreateUser(ctx, rest.UserCreate{Name: strings.Repeat("n", 51)})
				return err
			}, "body", "name"},
			{"ErrNameEmpty", func() error {
				_, err := api.CreateUser(ctx, rest.UserCreate{Name: ""})
				return err
			}, "body", "name"},
			{"ErrEmailShape", func() error {
				_, err := api.CreateUser(ctx, rest.UserCreate{Name: "x", Email: ptr("not-an-email")})
				return err
			}, "body", "email"},
			{"ErrEmailTooLong", func() error {
				_, err := api.CreateUser(ctx, rest.UserCreate{Name: "x", Email: ptr(strings.Repeat("e", 96) + "@x.io")})
				return err
			}, "body", "email"},
			{"ErrBioTooLong", func() error {
				_, err := api.CreateProfile(ctx, rest.ProfileCreate{Bio: strings.Repeat("b", 201), UserID: u.ID})
				return err
			}, "body", "bio"},
			{"ErrTitleTooLong", func() error {
				_, err := api.CreatePost(ctx, rest.PostCreate{Title: strings.Repeat("t", 101), Content: "c", AuthorID: u.ID})
				return err
			}, "body", "title"},
			{"ErrTagNameTooLong", func() error {
				_, err := api.CreateTag(ctx, rest.TagCreate{Name: strings.Repeat("g", 31)})
				return err
			}, "body", "name"},
			{"ErrUnknownAuthor", func() error {
				_, err := api.CreatePost(ctx, rest.PostCreate{Title: "t", Content: "c", AuthorID: u.ID + 1000})
				return err
			}, "body", "author_id"},
			{"ErrUnknownPostID", func() error {
				_, err := api.CreateTag(ctx, rest.TagCreate{Name: "orphan", Posts: []int{424242}})
				return err
			}, "body", "posts"},
			{"ErrTagNameTooLongInList", func() error {
				_, err := api.CreatePost(ctx, rest.PostCreate{Title: "t", Content: "c", AuthorID: u.ID, Tags: []string{"ok", strings.Repeat("g", 31)}})
				return err
			}, "body", "tags.1"},
			{"ErrUnknownUserForProfile", func() error {
				_, err := api.CreateProfile(ctx, rest.ProfileCreate{Bio: "b", UserID: u.ID + 1000})
				return err
			}, "body", "user_id"},
			{"ErrUnknownAuthorOnUpdate", func() error {
				p, err := api.CreatePost(ctx, rest.PostCreate{Title: "t", Content: "c", AuthorID: u.ID})
				if err != nil {
					t.Fatal(err)
				}
				_, err = api.UpdatePost(ctx, p.ID, rest.PostUpdate{AuthorID: ptr(u.ID + 1000)})
				return err
			}, "body", "author_id"},
			{"ErrPageSize", func() error {
				_, err := usersOf(api.ListUser(ctx, restkit.ListParams{ItemsPerPage: 101}))
				return err
			}, "query", "itemsPerPage"},
		}
		for _, tc := range typed {
			t.Run(tc.name, func(t *testing.T) {
				wantField(t, apiError(t, tc.call(), http.StatusBadRequest), tc.in, tc.field)
			})
		}

		raw := []struct {
			name, method, path, contentType, body string
			code                                  int
			in, field                             string
		}{
			{"ErrMissingName", "POST", "/users", "application/json", `{"email":"a@b.co"}`, 400, "body", "name"},
			{"ErrWrongType", "POST", "/users", "application/json", `{"name":5}`, 400, "body", "name"},
			{"ErrUnknownProperty", "POST", "/users", "application/json", `{"name":"x","nickname":"y"}`, 400, "body", "nickname"},
			{"ErrReadOnlyProperty", "POST", "/users", "application/json", `{"name":"x","created_at":"2020-01-01T00:00:00Z"}`, 400, "body", "created_at"},
			{"ErrNullName", "PATCH", fmt.Sprintf("/users/%d", u.ID), "application/json", `{"name":null}`, 400, "body", "name"},
			{"ErrTagNameType", "POST", "/posts", "application/json", fmt.Sprintf(`{"title":"t","content":"c","author_id":%d,"tags":[5]}`, u.ID), 400, "body", "tags.0"},
			{"ErrPostIDType", "POST", "/tags", "application/json", `{"name":"x","posts":["one"]}`, 400, "body", "posts.0"},
			{"ErrMalformedJSON", "POST", "/users", "application/json", `{"name":`, 400, "body", ""},
			{"ErrPathID", "GET", "/users/abc", "", "", 400, "path", "id"},
			{"ErrPageType", "GET", "/users?page=x", "", "", 400, "query", "page"},
			{"ErrContentType", "POST", "/users", "text/plain", `{"name":"x"}`, 415, "", ""},
			{"ErrBodyTooLarge", "POST", "/posts", "application/json", `{"title":"t","content":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "", ""},
			{"ErrNoRoute", "GET", "/nope", "", "", 404, "", ""},
		}
		for _, tc := range raw {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := api.do(t, tc.method, tc.path, tc.contentType, tc.body)
				if resp.StatusCode != tc.code {
					t.Fatalf("got %d, want %d: %s", resp.StatusCode, tc.code, body)
				}
				if ct := resp.Header.Get("Content-Type"); ct != restkit.ProblemContentType {
					t.Errorf("got Content-Type %q, want %s", ct, restkit.ProblemContentType)
				}
				var p restkit.Error
				path, _, _ := strings.Cut(tc.path, "?")
				if err := json.Unmarshal([]byte(body), &p); err != nil || p.Type != restkit.ProblemType || p.Status != tc.code ||
					p.Title != http.StatusText(tc.code) || p.Detail == "" || p.Instance != path || p.RequestID != resp.Header.Get("X-Request-Id") {
					t.Errorf("got %s (%v), want RFC 9457 problem details: type, title, status %d, detail, instance %s, request_id", body, err, tc.code, path)
				}
				if tc.in != "" && !strings.Contains(body, fmt.Sprintf(`"in":%q,"field":%q`, tc.in, tc.field)) {
					t.Errorf("got %s, want an error naming %s %q", body, tc.in, tc.field)
				}
			})
		}
		if n := api.count(t, "posts", ""); n != 1 {
			t.Errorf("got %d posts after the invalid requests, want only the 1 valid one", n)
		}
	})
}

func TestUniqueConflicts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		u, err := api.CreateUser(ctx, rest.UserCreate{Name: "a", Email: ptr("a@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		other, err := api.CreateUser(ctx, rest.UserCreate{Name: "b", Email: ptr("b@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := api.CreateTag(ctx, rest.TagCreate{Name: "go"}); err != nil {
			t.Fatal(err)
		}
		if _, err := api.CreateProfile(ctx, rest.ProfileCreate{Bio: "first", UserID: u.ID}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			call  func() error
			field string
		}{
			{"ErrEmailTaken", func() error {
				_, err := api.CreateUser(ctx, rest.UserCreate{Name: "c", Email: ptr("a@example.com")})
				return err
			}, "email"},
			{"ErrEmailTakenOnUpdate", func() error {
				_, err := api.UpdateUser(ctx, other.ID, rest.UserUpdate{Email: restkit.Value("a@example.com")})
				return err
			}, "email"},
			{"ErrTagNameTaken", func() error {
				_, err := api.CreateTag(ctx, rest.TagCreate{Name: "go"})
				return err
			}, "name"},
			{"ErrSecondProfile", func() error {
				_, err := api.CreateProfile(ctx, rest.ProfileCreate{Bio: "second", UserID: u.ID})
				return err
			}, "user_id"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := apiError(t, tc.call(), http.StatusConflict)
				wantField(t, e, "body", tc.field)
				if strings.Contains(e.Error(), "constraint") || strings.Contains(e.Error(), "pq:") || strings.Contains(e.Error(), "SQL") {
					t.Errorf("error %q leaks the driver's message", e)
				}
			})
		}
		if n := api.count(t, "profiles", ""); n != 1 {
			t.Errorf("got %d profiles, want 1", n)
		}
	})
}

func TestEdgeRoutes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		u, err := api.CreateUser(ctx, rest.UserCreate{Name: "writer"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = api.ReadUserProfile(ctx, u.ID)
		apiError(t, err, http.StatusNotFound)

		prof, err := api.CreateProfile(ctx, rest.ProfileCreate{Bio: "hello", UserID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		goTag, err := api.CreateTag(ctx, rest.TagCreate{Name: "go"})
		if err != nil {
			t.Fatal(err)
		}
		p1, err := api.CreatePost(ctx, rest.PostCreate{Title: "one", Content: "1", AuthorID: u.ID, Tags: []string{"go", "sql", "go"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(p1.Tags) != 2 || p1.Tags[0].ID != goTag.ID || p1.Tags[1].Name != "sql" {
			t.Fatalf("created post has tags %v, want the existing go and a new sql", p1.Tags)
		}
		sqlTag := p1.Tags[1]
		p2, err := api.CreatePost(ctx, rest.PostCreate{Title: "two", Content: "2", AuthorID: u.ID, Tags: []string{"go"}})
		if err != nil {
			t.Fatal(err)
		}

		if got, err := api.ReadUserProfile(ctx, u.ID); err != nil || got.ID != prof.ID {
			t.Errorf("GET /users/{id}/profile: got %+v, %v; want profile %d", got, err, prof.ID)
		}
		if got, err := api.ReadProfileUser(ctx, prof.ID); err != nil || got.ID != u.ID {
			t.Errorf("GET /profiles/{id}/user: got %+v, %v; want user %d", got, err, u.ID)
		}
		if got, err := api.ReadPostAuthor(ctx, p2.ID); err != nil || got.ID != u.ID {
			t.Errorf("GET /posts/{id}/author: got %+v, %v; want user %d", got, err, u.ID)
		}
		posts, err := postsOf(api.ListUserPosts(ctx, u.ID, restkit.ListParams{}))
		if err != nil || len(posts) != 2 || posts[0].ID != p1.ID || posts[1].ID != p2.ID {
			t.Errorf("GET /users/{id}/posts: got %v, %v; want posts %d, %d", posts, err, p1.ID, p2.ID)
		}
		tags, err := tagsOf(api.ListPostTags(ctx, p1.ID, restkit.ListParams{}))
		if err != nil || len(tags) != 2 || tags[0].Name != "go" || tags[1].Name != "sql" {
			t.Errorf("GET /posts/{id}/tags: got %v, %v; want go, sql", tags, err)
		}
		tagged, err := postsOf(api.ListTagPosts(ctx, goTag.ID, restkit.ListParams{ItemsPerPage: 1, Page: 2}))
		if err != nil || len(tagged) != 1 || tagged[0].ID != p2.ID {
			t.Errorf("GET /tags/{id}/posts page 2: got %v, %v; want post %d", tagged, err, p2.ID)
		}

		t.Run("PatchReplacesTagSet", func(t *testing.T) {
			if _, err := api.UpdatePost(ctx, p1.ID, rest.PostUpdate{Tags: restkit.ReplaceWith("sql")}); err != nil {
				t.Fatal(err)
			}
			tags, err := tagsOf(api.ListPostTags(ctx, p1.ID, restkit.ListParams{}))
			if err != nil || len(tags) != 1 || tags[0].ID != sqlTag.ID {
				t.Errorf("got %v, %v; want only sql", tags, err)
			}
		})

		t.Run("ErrParentMissing", func(t *testing.T) {
			missing := u.ID + 1000
			_, err := postsOf(api.ListUserPosts(ctx, missing, restkit.ListParams{}))
			apiError(t, err, http.StatusNotFound)
			_, err = api.ReadUserProfile(ctx, missing)
			apiError(t, err, http.StatusNotFound)
			_, err = postsOf(api.ListTagPosts(ctx, missing, restkit.ListParams{}))
			apiError(t, err, http.StatusNotFound)
		})

		t.Run("EmptyCollectionOfExistingParent", func(t *testing.T) {
			lone, err := api.CreateTag(ctx, rest.TagCreate{Name: "lone"})
			if err != nil {
				t.Fatal(err)
			}
			posts, err := postsOf(api.ListTagPosts(ctx, lone.ID, restkit.ListParams{}))
			if err != nil || len(posts) != 0 {
				t.Errorf("got %v, %v; want an empty list", posts, err)
			}
		})
	})
}

func TestCascadeDeletes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		api := newAPI(t, url)
		ctx := context.Background()
		// Two users, so the test can tell "cascaded" from "deleted everything".
		var users []*rest.User
		goTag, err := api.CreateTag(ctx, rest.TagCreate{Name: "go"})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"gone", "kept"} {
			u, err := api.CreateUser(ctx, rest.UserCreate{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			users = append(users, u)
			if _, err := api.CreateProfile(ctx, rest.ProfileCreate{Bio: name, UserID: u.ID}); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				_, err := api.CreatePost(ctx, rest.PostCreate{Title: fmt.Sprint(i), Content: "c", AuthorID: u.ID, Tags: []string{"go", "sql"}})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		gone, kept := users[0].ID, users[1].ID

		t.Run("UserTakesProfilePostsAndLinks", func(t *testing.T) {
			if err := api.HardDeleteUser(ctx, gone); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				table, where string
				want         int
			}{
				{"users", "", 1},
				{"profiles", fmt.Sprintf("user_id = %d", gone), 0},
				{"profiles", fmt.Sprintf("user_id = %d", kept), 1},
				{"posts", fmt.Sprintf("author_id = %d", gone), 0},
				{"posts", fmt.Sprintf("author_id = %d", kept), 3},
				{"post_tags", "", 6},
				{"tags", "", 2},
			} {
				if got := api.count(t, c.table, c.where); got != c.want {
					t.Errorf("%s where %q: got %d rows, want %d", c.table, c.where, got, c.want)
				}
			}
		})

		t.Run("TagLeavesItsPosts", func(t *testing.T) {
			if err := api.DeleteTag(ctx, goTag.ID); err != nil {
				t.Fatal(err)
			}
			if got := api.count(t, "post_tags", fmt.Sprintf("tag_id = %d", goTag.ID)); got != 0 {
				t.Errorf("got %d links to the deleted tag, want 0", got)
			}
			if got := api.count(t, "post_tags", ""); got != 3 {
				t.Errorf("got %d links, want the 3 to sql", got)
			}
			if got := api.count(t, "posts", ""); got != 3 {
				t.Errorf("got %d posts, want 3 (deleting a tag keeps posts)", got)
			}
		})

		t.Run("PostTakesItsLinks", func(t *testing.T) {
			posts, err := postsOf(api.ListUserPosts(ctx, kept, restkit.ListParams{}))
			if err != nil {
				t.Fatal(err)
			}
			if err := api.DeletePost(ctx, posts[0].ID); err != nil {
				t.Fatal(err)
			}
			if got := api.count(t, "post_tags", fmt.Sprintf("post_id = %d", posts[0].ID)); got != 0 {
				t.Errorf("got %d links of the deleted post, want 0", got)
			}
			if got := api.count(t, "tags", ""); got != 1 {
				t.Errorf("got %d tags, want 1 (deleting a post keeps tags)", got)
			}
		})

		t.Run("ProfileAlone", func(t *testing.T) {
			prof, err := api.ReadUserProfile(ctx, kept)
			if err != nil {
				t.Fatal(err)
			}
			if err := api.DeleteProfile(ctx, prof.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := api.ReadUser(ctx, kept); err != nil {
				t.Errorf("deleting the profile deleted its user: %v", err)
			}
		})
	})
}

// TestErrorsSayWhatWasExpected: a refused value is answered with what was
// expected (a type, a format with an example) rather than a regular
// expression, invalid JSON with where it goes wrong, and the problem's
// detail summarises the first field error.
func TestErrorsSayWhatWasExpected(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		for _, tc := range []struct {
			method, path, body string
			field, says        string
		}{
			{"GET", "/users/abc", "", "id", "expected an integer"},
			{"GET", "/users?page=x", "", "page", "expected an integer"},
			{"GET", "/posts?created_at.after=yesterday", "", "created_at.after", "expected an RFC 3339 date-time, such as "},
			{"POST", "/users", `{"name":5}`, "name", "expected a string"},
			{"POST", "/users", `{"name":"x","email":"nope"}`, "email", "expected an email address"},
			{"POST", "/users", `[{"name":"x"},{"name":"y","email":"nope"}]`, "1.email", "expected an email address"},
			{"POST", "/users", "{\"name\":\n \"x\",}", "", "at line 2, column 6 (byte offset 14)"},
		} {
			contentType := ""
			if tc.body != "" {
				contentType = "application/json"
			}
			resp, body := api.do(t, tc.method, tc.path, contentType, tc.body)
			var p restkit.Error
			if err := json.Unmarshal([]byte(body), &p); err != nil || resp.StatusCode != http.StatusBadRequest || len(p.Errors) != 1 {
				t.Fatalf("%s %s: %d %s; want 400 with one field error", tc.method, tc.path, resp.StatusCode, body)
			}
			f := p.Errors[0]
			if f.Field != tc.field || !strings.Contains(f.Message, tc.says) || strings.Contains(f.Message, "^") {
				t.Errorf("%s %s: field %q says %q; want %q saying %q", tc.method, tc.path, f.Field, f.Message, tc.field, tc.says)
			}
			if !strings.HasPrefix(p.Detail, "invalid request: ") || !strings.Contains(p.Detail, f.Message) {
				t.Errorf("%s %s: detail %q does not summarise %q", tc.method, tc.path, p.Detail, f.Message)
			}
		}
	})
}
