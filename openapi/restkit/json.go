package restkit

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/go-faster/jx"
)

// JSONEncoder is a value that writes itself as JSON without reflection: the
// generated API types do, with the bytes encoding/json would write.
type JSONEncoder interface {
	EncodeJSON(e *jx.Encoder)
}

// WriteJSON writes v as the JSON body of a code response, followed by a
// newline (as json.Encoder does). Values that are JSONEncoders encode
// themselves; the rest go through encoding/json.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc, ok := v.(JSONEncoder)
	if !ok {
		_ = json.NewEncoder(w).Encode(v)
		return
	}
	e := jx.GetEncoder()
	defer jx.PutEncoder(e)
	enc.EncodeJSON(e)
	e.RawStr("\n")
	_, _ = e.WriteTo(w)
}

// JSONString writes s as encoding/json does: jx escapes the same characters
// (HTML ones included) but for \b and \f, which encoding/json writes short.
// The check is two IndexByte scans (vectorised), not ContainsAny, which
// reads long texts a byte at a time.
func JSONString(e *jx.Encoder, s string) {
	if strings.IndexByte(s, '\b') >= 0 || strings.IndexByte(s, '\f') >= 0 {
		JSONValue(e, s)
		return
	}
	e.StrEscape(s)
}

// JSONTime writes t as encoding/json does: RFC 3339 with nanoseconds.
func JSONTime(e *jx.Encoder, t time.Time) {
	// The text needs no escaping: written raw, quotes and all (ByteStr
	// would check each byte).
	var buf [len(time.RFC3339Nano) + 10]byte
	b := append(t.AppendFormat(append(buf[:0], '"'), time.RFC3339Nano), '"')
	e.Raw(b)
}

// JSONValue writes v through encoding/json: the fallback of generated
// encoders for field types they do not write themselves.
func JSONValue(e *jx.Encoder, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		e.Null()
		return
	}
	e.Raw(b)
}

// JSONBytes writes b as a base64 string (format: byte), as encoding/json
// does, but a nil b as "" rather than null: the spec's byte strings are not
// nullable (a nillable field is omitted instead).
func JSONBytes(e *jx.Encoder, b []byte) {
	if b == nil {
		b = []byte{}
	}
	e.Base64(b)
}

// Empty reports whether encoding/json's omitempty leaves v out: false, 0,
// "", a nil pointer or interface, an empty slice, map or array. The
// generated encoders omit unset JSON fields with it, as the types' tags do.
func Empty(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Invalid:
		return true
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return rv.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return rv.IsZero()
	}
	return false
}
