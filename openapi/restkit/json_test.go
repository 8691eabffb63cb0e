package restkit_test

import (
	"net/http/httptest"
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
