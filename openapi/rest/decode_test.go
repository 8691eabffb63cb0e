package rest_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
)

// decodeBoth decodes body with restkit.Decode into a new T and with
// encoding/json into another, and fails unless both succeed alike.
func decodeBoth[T any](t *testing.T, body string) {
	t.Helper()
	var got, want T
	werr := json.Unmarshal([]byte(body), &want)
	gerr := restkit.Decode(httptest.NewRequest("POST", "/", strings.NewReader(body)), &got)
	if (gerr != nil) != (werr != nil) {
		t.Fatalf("body %q: Decode error %v, encoding/json error %v", body, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("body %q:\nDecode:        %#v\nencoding/json: %#v", body, got, want)
	}
}

// TestDecodeJSONMatchesEncodingJSON checks that the generated decoders of
// create bodies read what encoding/json reads: escapes, surrogates, invalid
// UTF-8 (replaced), absent, null and empty optional properties and lists,
// nested objects, repeated and unknown keys.
func TestDecodeJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tricky := []string{"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "line\nbreak\ttab\r",
		"\u2028\u2029", "\x00\x1f\x7f", "bad \xff utf-8 \xed\xa0\x80", "ünïcødé ✓ 😀"}
	for range 100 {
		var r strings.Builder
		for range rng.IntN(6) {
			r.WriteRune(rune(rng.IntN(0x110000)))
		}
		tricky = append(tricky, r.String())
	}
	pick := func() string { return tricky[rng.IntN(len(tricky))] }
	opt := func() *string {
		if rng.IntN(2) == 0 {
			return nil
		}
		s := pick()
		return &s
	}
	names := func() []string {
		switch rng.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		return []string{pick(), pick()}
	}
	for range 300 {
		u := rest.UserCreate{Name: pick(), Email: opt()}
		if rng.IntN(2) == 0 {
			u.Profile = &rest.UserProfileCreate{Bio: pick()}
		}
		for range rng.IntN(4) {
			u.Posts = append(u.Posts, rest.UserPostCreate{Title: pick(), Content: pick(), Tags: names()})
		}
		b, _ := json.Marshal(u)
		decodeBoth[rest.UserCreate](t, string(b))
		p := rest.PostCreate{Title: pick(), Content: pick(), AuthorID: rng.IntN(1e6), Tags: names()}
		b, _ = json.Marshal(p)
		decodeBoth[rest.PostCreate](t, string(b))
	}
	for _, body := range []string{
		`{"name":"a\u00e9\ud83d\ude00\ud800x\udc00","email":null,"posts":null}`,
		`{"name":"first","name":"second","profile":{"bio":"b"},"profile":null}`,
		`{"unknown":{"deep":[1,2,{"x":null}]},"name":"n","posts":[]}` + "\n",
		`{"name":"n","tags":[],"posts":[{"title":"t","content":"c","tags":null}]}`,
		` { "name" : "spaced" , "email" : "e@x.io" } `,
	} {
		decodeBoth[rest.UserCreate](t, body)
	}
	decodeBoth[rest.TagCreate](t, `{"name":"go","posts":[3,1,2]}`)
	decodeBoth[rest.ProfileCreate](t, `{"bio":"b","user_id":7}`)
	// Not JSON of the body's shape: both refuse. Invalid UTF-8, which
	// encoding/json would replace with U+FFFD, is refused.
	for _, body := range []string{`{"name":1}`, `{"name":"x"`, `[]`, `{"posts":[1]}`,
		"{\"name\":\"raw \xff\xfe bytes\",\"posts\":[{\"title\":\"t\xc3\",\"content\":\"\",\"tags\":[\"x\xe2\x82\"]}]}"} {
		var v rest.UserCreate
		if err := restkit.Decode(httptest.NewRequest("POST", "/", bytes.NewReader([]byte(body))), &v); err == nil {
			t.Errorf("body %q: decoded, want an error", body)
		}
	}
}
