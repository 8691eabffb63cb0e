package rest_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"

	"github.com/go-faster/jx"
)

// TestEncodeJSONMatchesEncodingJSON checks the generated encoders write the
// bytes encoding/json writes for the same values: HTML-escaped and invalid
// UTF-8 strings, absent and present optional fields, nil, empty and full
// lists, nested edges, counts and times in several zones.
func TestEncodeJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tricky := []string{"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "line\nbreak\ttab\r",
		"\u2028\u2029", "\x00\x1f\x7f", "bad \xff utf-8 \xed\xa0\x80", "ünïcødé ✓ 😀"}
	for range 200 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		var r strings.Builder
		for range rng.IntN(6) {
			r.WriteRune(rune(rng.IntN(0x110000)))
		}
		tricky = append(tricky, string(b), r.String())
	}
	pick := func() string { return tricky[rng.IntN(len(tricky))] }
	zones := []*time.Location{time.UTC, time.FixedZone("x", -7*3600-30*60), time.FixedZone("y", 5*3600)}
	when := func() time.Time {
		return time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)*int64(rng.IntN(2))).In(zones[rng.IntN(len(zones))])
	}
	n := func() *int {
		if rng.IntN(2) == 0 {
			return nil
		}
		v := rng.IntN(1000) - 500
		return &v
	}
	tag := func() *rest.Tag {
		return &rest.Tag{ID: rng.IntN(1e6), CreatedAt: when(), UpdatedAt: when(), Name: pick(), PostsCount: n()}
	}
	post := func() *rest.Post {
		p := &rest.Post{ID: rng.IntN(1e6), CreatedAt: when(), UpdatedAt: when(), Title: pick(), Content: pick(), AuthorID: rng.IntN(9), TagsCount: n()}
		switch rng.IntN(3) {
		case 1:
			p.Tags = []*rest.Tag{}
		case 2:
			p.Tags = []*rest.Tag{tag(), tag()}
		}
		return p
	}
	user := func() *rest.User {
		u := &rest.User{ID: rng.IntN(1e6), CreatedAt: when(), UpdatedAt: when(), Name: pick(), PostsCount: n()}
		if rng.IntN(2) == 0 {
			email := pick()
			u.Email = &email
		}
		if rng.IntN(2) == 0 {
			u.Profile = &rest.Profile{ID: 1, CreatedAt: when(), UpdatedAt: when(), Bio: pick(), UserID: u.ID}
		}
		if rng.IntN(3) > 0 {
			u.Posts = []*rest.Post{}
			for range rng.IntN(4) {
				u.Posts = append(u.Posts, post())
			}
		}
		return u
	}
	values := []restkit.JSONEncoder{
		&rest.UserList{}, &rest.UserList{Items: []*rest.User{}}, &rest.TagList{Items: []*rest.Tag{tag()}, Total: 3, NextCursor: pick()},
	}
	for range 300 {
		u := user()
		values = append(values, u, &rest.UserList{Items: []*rest.User{u, user()}, Total: rng.IntN(100), NextCursor: pick()})
		p := post()
		p.Author = user()
		values = append(values, p, &rest.PostList{Items: []*rest.Post{p}})
		pr := &rest.Profile{ID: 2, CreatedAt: when(), UpdatedAt: when(), Bio: pick(), UserID: 3}
		if rng.IntN(2) == 0 {
			pr.User = user()
		}
		values = append(values, pr)
	}
	invalid := 0
	for i, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		e := jx.GetEncoder()
		v.EncodeJSON(e)
		got := slices.Clone(e.Bytes())
		jx.PutEncoder(e)
		if !bytes.Equal(got, want) {
			t.Fatalf("value %d (%T):\njx:            %s\nencoding/json: %s", i, v, got, want)
		}
		if !utf8.Valid(got) {
			invalid++
		}
	}
	if invalid > 0 || !strings.Contains(string(mustMarshal(t, &rest.Tag{Name: "<"})), `\u003c`) {
		t.Errorf("%d outputs are not valid UTF-8, or < is not escaped", invalid)
	}
}

func mustMarshal(t *testing.T, v restkit.JSONEncoder) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	restkit.WriteJSON(rec, 200, v)
	return rec.Body.Bytes()
}
