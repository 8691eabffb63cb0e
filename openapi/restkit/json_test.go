package restkit_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/entblog/blog/openapi/restkit"

	"github.com/go-faster/jx"
)

// fast encodes differently from encoding/json (which would write {}), so the
// response shows which encoder WriteJSON used.
type fast struct{}

func (fast) EncodeJSON(e *jx.Encoder) {
	e.ObjStart()
	e.FieldStart("fast")
	e.Bool(true)
	e.ObjEnd()
}

func TestWriteJSONUsesTheValuesEncoder(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{fast{}, `{"fast":true}` + "\n"},
		{map[string]string{"b": "<", "a": "x"}, `{"a":"x","b":"\u003c"}` + "\n"},
	} {
		rec := httptest.NewRecorder()
		restkit.WriteJSON(rec, 201, c.v)
		if rec.Code != 201 || rec.Header().Get("Content-Type") != "application/json" || rec.Body.String() != c.want {
			t.Errorf("WriteJSON(%T) = %d %q %q, want 201 application/json %q", c.v, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), c.want)
		}
	}
}

// JSONString must write every string as encoding/json does, so that the
// generated encoders' bytes equal the reflection encoder's.
func TestJSONStringWritesAsEncodingJSON(t *testing.T) {
	long := strings.Repeat("lorem ipsum ", 200)
	for _, s := range []string{
		"", "plain", "<a href=\"x\">&</a>", "tab\tnew\nline\rret", "\b", "back\bspace", "form\ffeed",
		long + "\f", "\x00\x01\x1f\x7f", "é ü 日本", "\u2028\u2029", "bad \xff utf-8", long,
	} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		e := jx.GetEncoder()
		restkit.JSONString(e, s)
		if got := string(e.Bytes()); got != string(want) {
			t.Errorf("JSONString(%.30q) = %.60s, encoding/json writes %.60s", s, got, want)
		}
		jx.PutEncoder(e)
	}
}
