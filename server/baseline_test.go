package server_test

// The baseline of the benchmarks: the fastest plain Go answering the four
// benchmark scenarios with the same response bytes as the service — pgx's
// native pool (pgxpool, binary results, statements cached per connection),
// hand-written SQL, encoding/json. No validation, no generated code, no ent.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

type bTag struct {
	ID        int       `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Name      string    `json:"name"`
}

type bProfile struct {
	ID        int       `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Bio       string    `json:"bio"`
	UserID    int       `json:"user_id"`
}

type bPost struct {
	ID        int       `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Title     string    `json:"title"`
	Content   string    `json:"content"`
	AuthorID  int       `json:"author_id"`
	Tags      []*bTag   `json:"tags,omitzero"`
}

type bUser struct {
	ID        int       `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Name      string    `json:"name"`
	Email     *string   `json:"email,omitempty"`
	Profile   *bProfile `json:"profile,omitempty"`
	Posts     []*bPost  `json:"posts,omitzero"`
}

// baseline serves the scenarios over db and counts its statements.
type baseline struct {
	db    *pgxpool.Pool
	stmts atomic.Int64
}

func (b *baseline) query(ctx context.Context, q string, args ...any) (pgx.Rows, error) {
	b.stmts.Add(1)
	return b.db.Query(ctx, q, args...)
}

func (b *baseline) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", b.readUser)
	mux.HandleFunc("GET /users", b.listUsers)
	mux.HandleFunc("POST /users", b.createUser)
	mux.HandleFunc("GET /posts", b.postsByTag)
	return mux
}

func fail(w http.ResponseWriter, err error) {
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// graph loads the profiles, posts and tags of users (in id order).
func (b *baseline) graph(ctx context.Context, users []*bUser) error {
	ids := make([]int64, len(users))
	byID := map[int]*bUser{}
	for i, u := range users {
		ids[i] = int64(u.ID)
		byID[u.ID] = u
		u.Posts = []*bPost{}
	}
	rows, err := b.query(ctx, `SELECT id, created_at, updated_at, bio, user_id FROM profiles WHERE user_id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	for rows.Next() {
		p := &bProfile{}
		if err := rows.Scan(&p.ID, &p.CreatedAt, &p.UpdatedAt, &p.Bio, &p.UserID); err != nil {
			rows.Close()
			return err
		}
		byID[p.UserID].Profile = p
	}
	rows.Close()
	rows, err = b.query(ctx, `SELECT id, created_at, updated_at, title, content, author_id FROM posts WHERE author_id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return err
	}
	var postIDs []int64
	posts := map[int]*bPost{}
	for rows.Next() {
		p := &bPost{Tags: []*bTag{}}
		if err := rows.Scan(&p.ID, &p.CreatedAt, &p.UpdatedAt, &p.Title, &p.Content, &p.AuthorID); err != nil {
			rows.Close()
			return err
		}
		u := byID[p.AuthorID]
		u.Posts = append(u.Posts, p)
		posts[p.ID] = p
		postIDs = append(postIDs, int64(p.ID))
	}
	rows.Close()
	rows, err = b.query(ctx, `SELECT pt.post_id, t.id, t.created_at, t.updated_at, t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id
		WHERE pt.post_id = ANY($1) ORDER BY t.id`, postIDs)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var postID int
		t := &bTag{}
		if err := rows.Scan(&postID, &t.ID, &t.CreatedAt, &t.UpdatedAt, &t.Name); err != nil {
			return err
		}
		posts[postID].Tags = append(posts[postID].Tags, t)
	}
	return rows.Err()
}

// (a) GET /users/{id}?include=profile,posts.tags
func (b *baseline) readUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, _ := strconv.Atoi(r.PathValue("id"))
	rows, err := b.query(ctx, `SELECT id, created_at, updated_at, name, email FROM users WHERE id = $1`, id)
	if err != nil {
		fail(w, err)
		return
	}
	u := &bUser{}
	found := rows.Next()
	if found {
		err = rows.Scan(&u.ID, &u.CreatedAt, &u.UpdatedAt, &u.Name, &u.Email)
	}
	rows.Close()
	if err != nil || !found {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if err := b.graph(ctx, []*bUser{u}); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

type bUserList struct {
	Items      []*bUser `json:"items"`
	Total      int      `json:"total"`
	NextCursor string   `json:"next_cursor,omitempty"`
}

// cursor encodes a next-page cursor the way the service does.
func cursor(sort string, keys []any, id int) string {
	b, _ := json.Marshal(struct {
		S  string `json:"s"`
		K  []any  `json:"k"`
		ID int    `json:"id"`
	}{sort, keys, id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// (b) GET /users?include=profile,posts.tags&itemsPerPage=20
func (b *baseline) listUsers(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	limit, _ := strconv.Atoi(r.URL.Query().Get("itemsPerPage"))
	out := bUserList{Items: []*bUser{}}
	rows, err := b.query(ctx, `SELECT COUNT(*) FROM users`)
	if err != nil {
		fail(w, err)
		return
	}
	rows.Next()
	err = rows.Scan(&out.Total)
	rows.Close()
	if err != nil {
		fail(w, err)
		return
	}
	rows, err = b.query(ctx, `SELECT id, created_at, updated_at, name, email FROM users ORDER BY id LIMIT $1`, limit+1)
	if err != nil {
		fail(w, err)
		return
	}
	for rows.Next() {
		u := &bUser{}
		if err := rows.Scan(&u.ID, &u.CreatedAt, &u.UpdatedAt, &u.Name, &u.Email); err != nil {
			rows.Close()
			fail(w, err)
			return
		}
		out.Items = append(out.Items, u)
	}
	rows.Close()
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		out.NextCursor = cursor("", []any{}, out.Items[limit-1].ID)
	}
	if err := b.graph(ctx, out.Items); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

type bNewUser struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	Profile struct {
		Bio string `json:"bio"`
	} `json:"profile"`
	Posts []struct {
		Title   string   `json:"title"`
		Content string   `json:"content"`
		Tags    []string `json:"tags"`
	} `json:"posts"`
}

// (c) POST /users with a profile and posts whose tags are found or created.
func (b *baseline) createUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var in bNewUser
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	tx, err := b.db.Begin(ctx)
	if err != nil {
		fail(w, err)
		return
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	b.stmts.Add(1)         // BEGIN
	q := func(query string, args ...any) (pgx.Rows, error) {
		b.stmts.Add(1)
		return tx.Query(ctx, query, args...)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := &bUser{Name: in.Name, Email: &in.Email, CreatedAt: now, UpdatedAt: now}
	rows, err := q(`INSERT INTO users (created_at, updated_at, name, email) VALUES ($1, $1, $2, $3) RETURNING id`, now, in.Name, in.Email)
	if err == nil {
		rows.Next()
		err = rows.Scan(&u.ID)
		rows.Close()
	}
	if err != nil {
		fail(w, err)
		return
	}
	u.Profile = &bProfile{Bio: in.Profile.Bio, UserID: u.ID, CreatedAt: now, UpdatedAt: now}
	rows, err = q(`INSERT INTO profiles (created_at, updated_at, bio, user_id) VALUES ($1, $1, $2, $3) RETURNING id`, now, in.Profile.Bio, u.ID)
	if err == nil {
		rows.Next()
		err = rows.Scan(&u.Profile.ID)
		rows.Close()
	}
	if err != nil {
		fail(w, err)
		return
	}
	seen := map[string]bool{}
	var names []string
	for _, p := range in.Posts {
		for _, t := range p.Tags {
			if !seen[t] {
				seen[t] = true
				names = append(names, t)
			}
		}
	}
	rows, err = q(`INSERT INTO tags (created_at, updated_at, name) SELECT $1, $1, unnest($2::text[]) ON CONFLICT (name) DO NOTHING`, now, names)
	if err != nil {
		fail(w, err)
		return
	}
	rows.Close()
	rows, err = q(`SELECT id, created_at, updated_at, name FROM tags WHERE name = ANY($1)`, names)
	if err != nil {
		fail(w, err)
		return
	}
	tags := map[string]*bTag{}
	for rows.Next() {
		t := &bTag{}
		if err := rows.Scan(&t.ID, &t.CreatedAt, &t.UpdatedAt, &t.Name); err != nil {
			rows.Close()
			fail(w, err)
			return
		}
		tags[t.Name] = t
	}
	rows.Close()
	var values []string
	args := []any{now, u.ID}
	for i, p := range in.Posts {
		values = append(values, fmt.Sprintf("($1, $1, $%d, $%d, $2)", 3+2*i, 4+2*i))
		args = append(args, p.Title, p.Content)
	}
	rows, err = q(`INSERT INTO posts (created_at, updated_at, title, content, author_id) VALUES `+strings.Join(values, ", ")+` RETURNING id`, args...)
	if err != nil {
		fail(w, err)
		return
	}
	u.Posts = []*bPost{}
	for i := 0; rows.Next(); i++ {
		p := &bPost{Title: in.Posts[i].Title, Content: in.Posts[i].Content, AuthorID: u.ID, CreatedAt: now, UpdatedAt: now, Tags: []*bTag{}}
		if err := rows.Scan(&p.ID); err != nil {
			rows.Close()
			fail(w, err)
			return
		}
		u.Posts = append(u.Posts, p)
	}
	rows.Close()
	var links []string
	var largs []any
	for i, p := range u.Posts {
		done := map[string]bool{}
		for _, name := range in.Posts[i].Tags {
			if done[name] {
				continue
			}
			done[name] = true
			p.Tags = append(p.Tags, tags[name])
			links = append(links, fmt.Sprintf("($%d, $%d)", len(largs)+1, len(largs)+2))
			largs = append(largs, p.ID, tags[name].ID)
		}
		sortTags(p.Tags)
	}
	rows, err = q(`INSERT INTO post_tags (post_id, tag_id) VALUES `+strings.Join(links, ", "), largs...)
	if err != nil {
		fail(w, err)
		return
	}
	rows.Close()
	b.stmts.Add(1) // COMMIT
	if err := tx.Commit(ctx); err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Location", "/users/"+strconv.Itoa(u.ID))
	writeJSON(w, http.StatusCreated, u)
}

func sortTags(ts []*bTag) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].ID < ts[j-1].ID; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

type bPostList struct {
	Items      []*bPost `json:"items"`
	Total      int      `json:"total"`
	NextCursor string   `json:"next_cursor,omitempty"`
}

// (d) GET /posts?tags.name.eq=NAME&sort=-created_at&itemsPerPage=20
func (b *baseline) postsByTag(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.URL.Query().Get("tags.name.eq")
	limit, _ := strconv.Atoi(r.URL.Query().Get("itemsPerPage"))
	const match = `FROM posts WHERE id IN (SELECT pt.post_id FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.name = $1)`
	out := bPostList{Items: []*bPost{}}
	rows, err := b.query(ctx, `SELECT COUNT(*) `+match, name)
	if err != nil {
		fail(w, err)
		return
	}
	rows.Next()
	err = rows.Scan(&out.Total)
	rows.Close()
	if err != nil {
		fail(w, err)
		return
	}
	rows, err = b.query(ctx, `SELECT id, created_at, updated_at, title, content, author_id `+match+` ORDER BY created_at DESC, id LIMIT $2`, name, limit+1)
	if err != nil {
		fail(w, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		p := &bPost{}
		if err := rows.Scan(&p.ID, &p.CreatedAt, &p.UpdatedAt, &p.Title, &p.Content, &p.AuthorID); err != nil {
			fail(w, err)
			return
		}
		out.Items = append(out.Items, p)
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		last := out.Items[limit-1]
		out.NextCursor = cursor("-created_at", []any{last.CreatedAt.UTC().Format(time.RFC3339Nano)}, last.ID)
	}
	writeJSON(w, http.StatusOK, out)
}
