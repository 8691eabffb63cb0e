package restkit

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-faster/jx"
)

// Limits on what one request may carry, checked before validation so that
// no request can make the server do unbounded work.
const (
	// MaxQueryParams bounds the parameters of a query string, repeats
	// included.
	MaxQueryParams = 32
	// MaxFieldErrors bounds the field errors of one error response; the
	// message says how many there were.
	MaxFieldErrors = 100
	// MaxJSONDepth bounds the nesting of a request body.
	MaxJSONDepth = 32
	// MaxArrayItems bounds every array of a request body (the spec's own
	// maxItems are lower); MaxJSONValues bounds the values of a body in all.
	// Validation reports each bad item, so a 1 MiB body of 300,000 wrong
	// items would otherwise cost hundreds of megabytes to answer.
	MaxArrayItems = 1_000
	MaxJSONValues = 20_000
)

// badText says why s cannot be stored as text, or "" when it can: the
// databases refuse NUL (PostgreSQL) or keep it unlike the other (SQLite),
// and invalid UTF-8 would be silently replaced.
func badText(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return "must not contain the NUL character (U+0000)"
	}
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	return ""
}

// singleValued reports whether a parameter takes one value; a filter given
// twice applies twice.
func singleValued(name string) bool {
	switch name {
	case "page", "itemsPerPage", "cursor", "include", "sort", "q", "count", "or", "deleted", "hard":
		return true
	}
	return false
}

// checkQuery parses the query string of r and refuses what the operation id
// cannot take: too many parameters, parameters it does not declare (a
// misspelt filter must not silently match everything), a parameter given
// more than once when it takes one value (a silent choice of one would
// answer the wrong page) — filters apply once per repeat, and the values of
// a repeated "in" filter form one list, as form-style arrays are sent — and
// text that is not storable. It returns the parsed query, which handlers reuse.
func (a *API) checkQuery(r *http.Request, id string) (url.Values, error) {
	raw := r.URL.RawQuery
	if n := strings.Count(raw, "&") + 1; raw != "" && n > MaxQueryParams {
		return nil, NewError(http.StatusBadRequest, "invalid request", FieldError{In: "query",
			Message: fmt.Sprintf("%d query parameters; at most %d are allowed", n, MaxQueryParams)})
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		// url.Values drops what it cannot parse (a ";" for one): refuse it.
		return nil, NewError(http.StatusBadRequest, "invalid request", FieldError{In: "query", Message: "malformed query string: " + err.Error()})
	}
	var fields []FieldError
	merged := false
	for name, values := range q {
		if why := badText(name); why != "" {
			fields = append(fields, FieldError{In: "query", Message: "a parameter name " + why})
			continue
		}
		if !a.query[id][name] {
			fields = append(fields, FieldError{In: "query", Field: name, Message: "unknown parameter"})
			continue
		}
		for _, v := range values {
			if why := badText(v); why != "" {
				fields = append(fields, FieldError{In: "query", Field: name, Message: "value " + why})
				break
			}
		}
		if len(values) > 1 {
			switch {
			case strings.HasSuffix(name, ".in"):
				q[name] = []string{strings.Join(values, ",")}
				merged = true
				continue
			case !singleValued(name):
				continue // a repeated filter: each one applies (AND)
			}
			fields = append(fields, FieldError{In: "query", Field: name,
				Message: fmt.Sprintf("given %d times; give it once (in filters take a comma-separated list)", len(values))})
		}
	}
	if len(fields) > 0 {
		return nil, NewError(http.StatusBadRequest, "invalid request", sortFields(fields)...)
	}
	if merged {
		r.URL.RawQuery = q.Encode()
	}
	return q, nil
}

// checkPath refuses path parameters that are not storable text.
func checkPath(params map[string]string) error {
	var fields []FieldError
	for name, v := range params {
		if why := badText(v); why != "" {
			fields = append(fields, FieldError{In: "path", Field: name, Message: "value " + why})
		}
	}
	if len(fields) > 0 {
		return NewError(http.StatusBadRequest, "invalid request", sortFields(fields)...)
	}
	return nil
}

// readBody reads the body of r (already bounded by http.MaxBytesReader),
// checks that it is valid UTF-8 and that no string in it holds a NUL, and
// puts it back for validation and decoding.
func readBody(r *http.Request) error {
	b, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		// A body without Content-Length (chunked) that outgrows the limit.
		return tooLarge(tooBig.Limit)
	case err != nil:
		return NewError(http.StatusBadRequest, "invalid request", FieldError{In: "body", Message: "the body could not be read"})
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	if !utf8.Valid(b) {
		return NewError(http.StatusBadRequest, "invalid request", FieldError{In: "body", Message: "body must be valid UTF-8"})
	}
	if bytes.Contains(b, []byte(`\u`)) { // escapes are rare: walk only then
		if field, why := badString(b); why != "" {
			return NewError(http.StatusBadRequest, "invalid request", FieldError{In: "body", Field: field, Message: "value " + why})
		}
		if loneSurrogate(b) {
			return NewError(http.StatusBadRequest, "invalid request", FieldError{In: "body",
				Message: `body holds a lone UTF-16 surrogate escape (\uD800-\uDFFF without its pair)`})
		}
	}
	if !json.Valid(b) {
		return NewError(http.StatusBadRequest, "invalid request", FieldError{In: "body", Message: syntaxMessage(b)})
	}
	shape := jsonShapeOf(b)
	switch {
	case shape.depth > MaxJSONDepth:
		return NewError(http.StatusBadRequest, "invalid request", FieldError{In: "body",
			Message: fmt.Sprintf("nested %d levels deep; at most %d are allowed", shape.depth, MaxJSONDepth)})
	case shape.longest > MaxArrayItems:
		return NewError(http.StatusBadRequest, "invalid request", FieldError{In: "body",
			Message: fmt.Sprintf("an array holds %d items; at most %d are allowed", shape.longest, MaxArrayItems)})
	case shape.values > MaxJSONValues:
		return NewError(http.StatusBadRequest, "invalid request", FieldError{In: "body",
			Message: fmt.Sprintf("the body holds more than %d values", MaxJSONValues)})
	}
	return nil
}

// syntaxMessage says where the JSON document b, which is not valid, goes
// wrong: the decoder's reason and its line, column and byte offset.
func syntaxMessage(b []byte) string {
	var v json.RawMessage
	err := json.Unmarshal(b, &v)
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		return "body is not valid JSON"
	}
	at := min(max(int(syn.Offset)-1, 0), len(b)) // the offending byte
	line, col := 1, 1
	for _, c := range b[:at] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("body is not valid JSON: %s at line %d, column %d (byte offset %d)", syn, line, col, at)
}

// badString walks the JSON document b and returns the dotted path of the
// first string (or key) that is not storable text, and why. Invalid JSON is
// the validator's to report: it returns "".
func badString(b []byte) (field, why string) {
	var path []string
	var walk func(d *jx.Decoder) error
	stop := errors.New("found")
	walk = func(d *jx.Decoder) error {
		switch d.Next() {
		case jx.String:
			s, err := d.StrBytes()
			if err != nil {
				return err
			}
			if w := lone(s); w != "" {
				why = w
				return stop
			}
			return nil
		case jx.Object:
			return d.ObjBytes(func(d *jx.Decoder, key []byte) error {
				if w := lone(key); w != "" {
					why = "a property name " + w
					return stop
				}
				path = append(path, string(key))
				if err := walk(d); err != nil {
					return err
				}
				path = path[:len(path)-1]
				return nil
			})
		case jx.Array:
			i := 0
			return d.Arr(func(d *jx.Decoder) error {
				path = append(path, fmt.Sprint(i))
				i++
				if err := walk(d); err != nil {
					return err
				}
				path = path[:len(path)-1]
				return nil
			})
		default:
			return d.Skip()
		}
	}
	if err := walk(jx.DecodeBytes(b)); errors.Is(err, stop) {
		return strings.Join(path, "."), why
	}
	return "", ""
}

// lone says why a decoded JSON string is not storable text, or "".
func lone(s []byte) string {
	if bytes.IndexByte(s, 0) >= 0 {
		return "must not contain the NUL character (U+0000)"
	}
	return ""
}

// loneSurrogate reports whether b escapes a UTF-16 surrogate without its
// pair, which decoders silently turn into U+FFFD.
func loneSurrogate(b []byte) bool {
	surrogate := func(i int) (high, ok bool) {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' || (b[i+2] != 'd' && b[i+2] != 'D') {
			return false, false
		}
		switch c := b[i+3] | 0x20; {
		case c >= '8' && c <= '9', c == 'a', c == 'b':
			return true, true
		case c >= 'c' && c <= 'f':
			return false, true
		}
		return false, false
	}
	escaped := false
	for i := 0; i < len(b); i++ {
		if escaped {
			escaped = false
			continue
		}
		if b[i] != '\\' {
			continue
		}
		high, ok := surrogate(i)
		if !ok {
			escaped = true
			continue
		}
		if !high {
			return true // a low surrogate first
		}
		if low, ok := surrogate(i + 6); !ok || low {
			return true
		}
		i += 11
	}
	return false
}

// jsonShape is what bounds a JSON document's cost to validate.
type jsonShape struct {
	depth   int // deepest nesting of objects and arrays
	longest int // items of the longest array
	values  int // object members and array items, in all
}

// jsonShapeOf measures b in one pass over its bytes, counting brackets and
// commas outside strings (a malformed document is measured all the same;
// the validator reports what is wrong with it).
func jsonShapeOf(b []byte) jsonShape {
	var sh jsonShape
	var items []int // per open container: items so far (-1 for objects)
	inString, escaped, empty := false, false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
		case '{', '[':
			n := 1
			if c == '{' {
				n = -1
			}
			items = append(items, n)
			sh.depth = max(sh.depth, len(items))
			empty = true
			continue
		case '}', ']':
			if len(items) > 0 {
				if n := items[len(items)-1]; n > 0 && !empty {
					sh.longest = max(sh.longest, n)
				}
				items = items[:len(items)-1]
			}
		case ',':
			sh.values++
			if len(items) > 0 && items[len(items)-1] > 0 {
				items[len(items)-1]++
			}
		}
		empty = false
	}
	return sh
}

// sortFields orders field errors by location and name, so the same request
// always gets the same body.
func sortFields(fields []FieldError) []FieldError {
	slices.SortFunc(fields, func(a, b FieldError) int {
		return cmp.Or(strings.Compare(a.In, b.In), strings.Compare(a.Field, b.Field))
	})
	return fields
}
