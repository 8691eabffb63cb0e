package restkit

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/go-faster/jx"
)

// Conditional requests (RFC 9110 section 13). A resource's ETag is a hash of
// the JSON of its representation: strong for a single resource, weak for a
// page of a list (its rows are the same when its bytes are). GET and HEAD
// answer 304 when If-None-Match names the current tag; PATCH, PUT and DELETE
// with If-Match run only while the resource's plain representation (GET
// without include or count) still has one of the tags named, which the
// handler checks inside the transaction that writes, on the row it locked.

// etagOf returns the entity tag of the encoded body b (weak or strong).
func etagOf(b []byte, weak bool) string {
	tag := `"` + strconv.FormatUint(xxhash.Sum64(b), 36) + `"`
	if weak {
		return "W/" + tag
	}
	return tag
}

// encode returns the JSON of v as WriteJSON writes it, without the final
// newline, in an encoder the caller puts back.
func encode(v any) (*jx.Encoder, error) {
	e := jx.GetEncoder()
	if enc, ok := v.(JSONEncoder); ok {
		enc.EncodeJSON(e)
		return e, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		jx.PutEncoder(e)
		return nil, err
	}
	e.Raw(b)
	return e, nil
}

// WriteResource writes v, one resource, as a code response with its strong
// ETag; a GET or HEAD whose If-None-Match names that tag gets 304 instead.
func WriteResource(w http.ResponseWriter, r *http.Request, code int, v any) {
	writeTagged(w, r, code, v, false)
}

// WriteCollection writes v, a page of a list, as a 200 response with its
// weak ETag; a GET or HEAD whose If-None-Match names that tag gets 304.
func WriteCollection(w http.ResponseWriter, r *http.Request, v any) {
	writeTagged(w, r, http.StatusOK, v, true)
}

func writeTagged(w http.ResponseWriter, r *http.Request, code int, v any, weak bool) {
	e, err := encode(v)
	if err != nil {
		WriteJSON(w, code, v)
		return
	}
	defer jx.PutEncoder(e)
	tag := etagOf(e.Bytes(), weak)
	w.Header().Set("ETag", tag)
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && code == http.StatusOK && matches(r.Header.Values("If-None-Match"), tag, false) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	e.RawStr("\n")
	_, _ = e.WriteTo(w)
}

// HasIfMatch reports whether r is conditional on If-Match: its handler
// must then read the resource's current state (locked) and call IfMatch.
func HasIfMatch(r *http.Request) bool { return len(r.Header.Values("If-Match")) > 0 }

// IfMatch returns nil when r's If-Match names the tag of current, the plain
// representation of the resource as it is now (or is "*"), and a 412
// otherwise, saying the resource changed since the client read it.
func IfMatch(r *http.Request, current any) error {
	vals := r.Header.Values("If-Match")
	if len(vals) == 0 {
		return nil
	}
	e, err := encode(current)
	if err != nil {
		return err
	}
	defer jx.PutEncoder(e)
	if matches(vals, etagOf(e.Bytes(), false), true) {
		return nil
	}
	return PreconditionFailed()
}

// PreconditionFailed is the 412 of a write whose If-Match names no current
// tag of the resource (or a resource that does not exist).
func PreconditionFailed() *Error {
	return NewError(http.StatusPreconditionFailed,
		"the resource changed since the If-Match tag was read (or does not exist): read it again and reapply the change")
}

// matches reports whether the If-Match or If-None-Match header values vals
// (comma-separated lists of entity tags, or "*") name tag. Strong
// comparison (If-Match) never matches a weak tag; weak comparison ignores
// W/. A content-coding suffix a compressing proxy or the server's gzip
// added inside the quotes ("abc-gzip") is ignored: the tags name the same
// representation before coding.
func matches(vals []string, tag string, strong bool) bool {
	want := opaque(tag)
	for _, v := range vals {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" {
				return true
			}
			if strings.HasPrefix(t, "W/") {
				if strong {
					continue
				}
				t = t[2:]
			}
			if opaque(t) == want {
				return true
			}
		}
	}
	return false
}

// opaque is the tag t without W/, quotes and a coding suffix ("-gzip").
func opaque(t string) string {
	t = strings.TrimPrefix(t, "W/")
	t = strings.Trim(t, `"`)
	if i := strings.IndexByte(t, '-'); i >= 0 {
		t = t[:i]
	}
	return t
}
