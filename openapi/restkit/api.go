package restkit

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-faster/jx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// HandlerFunc is an HTTP handler that returns its error instead of writing it;
// API.Op writes it through the one error funnel.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// API validates requests against the OpenAPI spec and writes errors.
type API struct {
	routes map[string]*routers.Route
	// many holds, for operations whose body is one item or an array of
	// them (a bulk create), the route validating the array; routes then
	// validates the single item.
	many map[string]*routers.Route
	// query lists the query parameters of each operation; others are refused.
	query    map[string]map[string]bool
	log      *slog.Logger
	maxBody  int64
	classify func(error) *Error
}

// Config configures an API.
type Config struct {
	// Spec is the OpenAPI document, as JSON.
	Spec []byte
	// Logger receives the errors that become 500s.
	Logger *slog.Logger
	// MaxBodyBytes bounds request bodies; larger ones get 413.
	MaxBodyBytes int64
	// Classify maps the errors of the data layer the generated handlers use
	// (ent's not-found and validation errors) to API errors, and returns nil
	// for others. The generated package provides it (rest.ClassifyError):
	// restkit imports nothing generated.
	Classify func(error) *Error
}

// New loads and validates the spec and indexes its operations.
func New(ctx context.Context, cfg Config) (*API, error) {
	if cfg.Logger == nil || cfg.MaxBodyBytes <= 0 {
		return nil, errors.New("restkit: Logger and MaxBodyBytes are required")
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(cfg.Spec)
	if err != nil {
		return nil, fmt.Errorf("loading OpenAPI spec: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("validating OpenAPI spec: %w", err)
	}
	a := &API{
		routes:   make(map[string]*routers.Route),
		many:     make(map[string]*routers.Route),
		query:    make(map[string]map[string]bool),
		log:      cfg.Logger,
		maxBody:  cfg.MaxBodyBytes,
		classify: cfg.Classify,
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			a.routes[op.OperationID] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
			if one, many, ok := oneOrMany(op); ok {
				a.routes[op.OperationID].Operation = one
				a.many[op.OperationID] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: many}
			}
			names := make(map[string]bool)
			for _, p := range op.Parameters {
				if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
					names[p.Value.Name] = true
				}
			}
			a.query[op.OperationID] = names
		}
	}
	return a, nil
}

// Op returns the handler of the spec operation id: it validates the request
// against the operation, runs h, and writes h's error, if any. It panics when
// the spec has no such operation: generated routes and spec are out of step.
func (a *API) Op(id string, h HandlerFunc) http.HandlerFunc {
	route, ok := a.routes[id]
	if !ok {
		panic(fmt.Sprintf("restkit: the OpenAPI spec has no operation %q", id))
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > a.maxBody {
			a.WriteError(w, r, tooLarge(a.maxBody))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, a.maxBody)
		// The URL first: a bad query parameter is named whatever the body.
		query, err := a.checkQuery(r, id)
		if err != nil {
			a.WriteError(w, r, err)
			return
		}
		if route.Operation.RequestBody != nil && !isJSON(r.Header.Get("Content-Type")) {
			a.WriteError(w, r, NewError(http.StatusUnsupportedMediaType, "the body must be JSON, sent with Content-Type: application/json"))
			return
		}
		if route.Operation.RequestBody != nil {
			if err := readBody(r); err != nil {
				a.WriteError(w, r, err)
				return
			}
		}
		rt := route
		if many := a.many[id]; many != nil && IsArray(r) {
			rt = many
		}
		if err := a.validate(r, rt, query); err != nil {
			a.WriteError(w, r, err)
			return
		}
		if query.Has("include") {
			r = r.WithContext(withIncludeBudget(r.Context()))
		}
		if err := h(w, r); err != nil {
			a.WriteError(w, r, err)
		}
	}
}

// oneOrMany splits an operation whose JSON body is a oneOf of an item and
// an array of items (a create that takes one or many) into two operations
// with one body schema each: validated against the branch the body picks,
// an invalid item's errors name its properties ("0.email") instead of
// saying the body matches neither branch.
func oneOrMany(op *openapi3.Operation) (one, many *openapi3.Operation, ok bool) {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil, nil, false
	}
	media := op.RequestBody.Value.Content.Get("application/json")
	if media == nil || media.Schema == nil || media.Schema.Value == nil || len(media.Schema.Value.OneOf) != 2 {
		return nil, nil, false
	}
	with := func(s *openapi3.SchemaRef) *openapi3.Operation {
		o, body := *op, *op.RequestBody.Value
		body.Content = openapi3.NewContentWithJSONSchemaRef(s)
		o.RequestBody = &openapi3.RequestBodyRef{Value: &body}
		return &o
	}
	for i, s := range media.Schema.Value.OneOf {
		if s.Value != nil && s.Value.Type.Is(openapi3.TypeArray) {
			return with(media.Schema.Value.OneOf[1-i]), with(s), true
		}
	}
	return nil, nil, false
}

// validate checks r, whose query string is query, against the operation of
// route. Query parameters are validated when present or required only: list
// operations declare dozens of filters, and decoding each absent one cost
// more than the rest of the validation (kin-openapi would decode them all).
func (a *API) validate(r *http.Request, route *routers.Route, query url.Values) error {
	params := make(map[string]string)
	if rc := chi.RouteContext(r.Context()); rc != nil {
		for i, k := range rc.URLParams.Keys {
			v, err := pathParam(r, rc.URLParams.Values[i])
			if err != nil {
				return NewError(http.StatusBadRequest, "invalid request", FieldError{In: "path", Field: k, Message: "value is not a valid path segment"})
			}
			params[k] = v
		}
	}
	if err := checkPath(params); err != nil {
		return err
	}
	input := &openapi3filter.RequestValidationInput{
		Request:     r,
		PathParams:  params,
		QueryParams: query, // parsed once, by unknownQuery
		Route:       route,
		Options: &openapi3filter.Options{
			MultiError:                true,
			AuthenticationFunc:        openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults:       true, // handlers apply defaults; page=1 must not appear next to cursor
			ExcludeRequestQueryParams: true, // below
		},
	}
	var errs openapi3.MultiError
	if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
		errs = append(errs, err)
	}
	for _, ps := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range ps {
			if p.Value.In != openapi3.ParameterInQuery || !p.Value.Required && !query.Has(p.Value.Name) {
				continue
			}
			if err := openapi3filter.ValidateParameter(r.Context(), input, p.Value); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	var err error = errs
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge(tooBig.Limit)
	}
	var fields []FieldError
	collect(err, "", &fields)
	return NewError(http.StatusBadRequest, "invalid request", fields...)
}

// isJSON reports whether contentType is application/json.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

func tooLarge(limit int64) *Error {
	return NewError(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", limit))
}

// collect flattens a kin-openapi validation error into field errors. in is
// the location of the enclosing request error ("" at the top).
func collect(err error, in string, out *[]FieldError) {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, err := range e {
			collect(err, in, out)
		}
	case *openapi3filter.RequestError:
		switch {
		case e.Parameter != nil:
			*out = append(*out, FieldError{In: e.Parameter.In, Field: e.Parameter.Name, Message: paramMessage(e)})
		case e.Err != nil && e.RequestBody != nil:
			var parse *openapi3filter.ParseError
			if errors.As(e.Err, &parse) {
				*out = append(*out, FieldError{In: "body", Message: "body is not valid JSON"})
				return
			}
			collect(e.Err, "body", out)
		default:
			*out = append(*out, FieldError{In: "body", Message: e.Reason})
		}
	case *openapi3.SchemaError:
		path := e.JSONPointer()
		if name, ok := quotedProperty(e.Reason); ok && (len(path) == 0 || path[len(path)-1] != name) {
			// "property "x" is unsupported": name the property.
			path = append(path, name)
		}
		field := strings.Join(path, ".")
		*out = append(*out, FieldError{In: in, Field: field, Message: schemaMessage(e)})
	default:
		*out = append(*out, FieldError{In: in, Message: "invalid value"})
	}
}

// paramMessage describes what is wrong with a parameter, and what was
// expected, without echoing it.
func paramMessage(e *openapi3filter.RequestError) string {
	var se *openapi3.SchemaError
	if errors.As(e.Err, &se) {
		return schemaMessage(se)
	}
	var pe *openapi3filter.ParseError
	if errors.As(e.Err, &pe) {
		if e.Parameter.Schema != nil && e.Parameter.Schema.Value != nil {
			if want := expected(e.Parameter.Schema.Value); want != "" {
				return "expected " + want
			}
		}
		return "value cannot be parsed"
	}
	if e.Reason != "" {
		return e.Reason
	}
	return "invalid value"
}

// schemaMessage says what is wrong with a value a schema refused: kin's
// reason, except where that spells out a regular expression (formats), which
// becomes what was expected, with an example.
func schemaMessage(e *openapi3.SchemaError) string {
	if e.Schema != nil && (e.SchemaField == "format" || e.SchemaField == "type") {
		if want := expected(e.Schema); want != "" {
			return "expected " + want
		}
	}
	if e.Schema != nil && e.SchemaField == "pattern" && byFormat(e.Schema.Format) != "" {
		// The format says it better than its regular expression.
		return "expected " + byFormat(e.Schema.Format)
	}
	if e.Schema != nil && e.SchemaField == "pattern" && e.Schema.Example != nil {
		return fmt.Sprintf("expected a value like %v (pattern %s)", e.Schema.Example, e.Schema.Pattern)
	}
	return e.Reason
}

// expected describes, for a client, the values schema s takes: by format
// where it has one clients know, else by type.
func expected(s *openapi3.Schema) string {
	if want := byFormat(s.Format); want != "" {
		return want
	}
	switch {
	case s.Type.Is("integer"):
		return "an integer"
	case s.Type.Is("number"):
		return "a number"
	case s.Type.Is("boolean"):
		return "true or false"
	case s.Type.Is("string"):
		return "a string"
	case s.Type.Is("array"):
		return "an array"
	case s.Type.Is("object"):
		return "an object"
	}
	return ""
}

// byFormat describes the values of a format clients know, or "".
func byFormat(format string) string {
	switch format {
	case "date-time":
		return "an RFC 3339 date-time, such as 2026-11-30T09:30:00Z"
	case "date":
		return "a date, such as 2026-11-30"
	case "email":
		return "an email address, such as ada@example.org"
	case "uuid":
		return "a UUID, such as 0b4f5c2e-7c1a-4d6e-9f3b-2a1c5e8d7f60"
	case "uri":
		return "an absolute URI, such as https://example.org/a"
	case "int32", "int64":
		return "an integer (" + format + ")"
	}
	return ""
}

// quotedProperty extracts x from reasons of the form `property "x" ...`.
func quotedProperty(reason string) (string, bool) {
	rest, ok := strings.CutPrefix(reason, "property ")
	if !ok {
		return "", false
	}
	name, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return "", false
	}
	name, err = strconv.Unquote(name)
	return name, err == nil
}

// WriteError is the one error funnel: it writes err as an Error body with the
// status it maps to. Errors it does not know become a 500 that is logged with
// the request ID and never echoed.
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := a.classifyError(r, err)
	if e == nil {
		a.log.ErrorContext(r.Context(), "request failed",
			"method", r.Method, "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()), "error", err)
		e = NewError(http.StatusInternalServerError, "internal error")
	}
	c := *e
	e = &c
	e.RequestID = middleware.GetReqID(r.Context())
	e.Instance = r.URL.Path
	if len(e.Errors) > 0 && e.Detail == "invalid request" {
		e.Detail = summary(e.Errors)
	}
	if n := len(e.Errors); n > MaxFieldErrors {
		e.Errors = e.Errors[:MaxFieldErrors]
		e.Detail = fmt.Sprintf("%s: %d errors, the first %d listed", e.Detail, n, MaxFieldErrors)
	}
	if e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
		a.log.WarnContext(r.Context(), "database unavailable", "request_id", e.RequestID, "error", err)
	}
	w.Header().Set("Content-Type", ProblemContentType)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(e)
}

// summary is the detail of a problem with field errors: the first, and how
// many more there are.
func summary(errs []FieldError) string {
	f := errs[0]
	s := "invalid request: " + f.Message
	switch {
	case f.Field != "" && f.In == "body":
		s = fmt.Sprintf("invalid request: body property %s: %s", f.Field, f.Message)
	case f.Field != "":
		s = fmt.Sprintf("invalid request: %s parameter %s: %s", f.In, f.Field, f.Message)
	}
	if n := len(errs) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more)", n)
	}
	return s
}

// classifyError maps err to the Error a client sees, or nil for an
// unexpected one.
func (a *API) classifyError(r *http.Request, err error) *Error {
	var e *Error
	if !errors.As(err, &e) && a.classify != nil {
		e = a.classify(err)
	}
	if e == nil {
		e = classify(err, r.Method == http.MethodDelete)
	}
	if e == nil {
		return nil
	}
	return atItem(e, err)
}

// classify maps database errors to the Error a client sees, or nil;
// deleting is set for DELETE requests.
func classify(err error, deleting bool) *Error {
	switch {
	case strings.HasPrefix(sqlState(err), "23"), sqliteConstraint(err):
		// A constraint violation, from ent's builders (which wrap the
		// driver's error) or from statements the REST layer builds.
		return constraint(err, deleting)
	case Unavailable(err):
		return NewError(http.StatusServiceUnavailable, "the database is unavailable or too slow; retry shortly")
	case strings.HasPrefix(sqlState(err), "22"):
		// Data exception: a value the database cannot hold that validation
		// let through. The client's to fix; the driver's text is not shown.
		return NewError(http.StatusBadRequest, "a value cannot be stored (out of range or not representable)")
	}
	return nil
}

// sqlState returns the SQLSTATE code of a database error of either
// PostgreSQL driver (lib/pq's *pq.Error and pgx's *pgconn.PgError both have
// SQLState), or "".
func sqlState(err error) string {
	var e interface{ SQLState() string }
	if errors.As(err, &e) {
		return e.SQLState()
	}
	return ""
}

// sqliteConstraint reports whether err is a SQLite constraint violation.
func sqliteConstraint(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

// Unavailable reports whether err means the database cannot serve the
// request now (unreachable, refusing connections, out of resources, shutting
// down, too slow, or a transaction that lost a deadlock or serialization
// race after its retries), as opposed to a bug: the client may retry.
func Unavailable(err error) bool {
	var netErr *net.OpError
	var liteErr *sqlite.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr):
		return true
	case errors.As(err, &liteErr):
		switch liteErr.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	if code := sqlState(err); len(code) == 5 {
		switch code[:2] {
		// 08 connection exception; 53 insufficient resources (53300 too
		// many connections); 57 operator intervention (57014 statement
		// timeout, 57P01-57P05 shutting down, starting up); 55 object not in
		// prerequisite state (55000 database does not allow connections,
		// 55P03 lock not available); 40 transaction rollback (40001, 40P01).
		case "08", "53", "57", "55", "40":
			return true
		}
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "bad connection") || strings.Contains(msg, "connection refused") || strings.Contains(msg, "database is closed")
}

// Decode decodes the (already validated) JSON body of r into v: bodies that
// are JSONDecoders decode themselves, others through encoding/json. Invalid
// UTF-8 and data after the JSON value are 400s.
func Decode(r *http.Request, v any) error {
	bad := NewError(http.StatusBadRequest, "invalid request", FieldError{In: "body", Message: "body does not match the schema"})
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return bad
	}
	if !utf8.Valid(b) {
		// Refused, not replaced with U+FFFD (Op refuses it earlier too).
		return NewError(http.StatusBadRequest, "invalid request", FieldError{In: "body", Message: "body must be valid UTF-8"})
	}
	if dv, ok := v.(JSONDecoder); ok {
		d := jx.DecodeBytes(b)
		if dv.DecodeJSON(d) != nil || d.Skip() != io.EOF {
			return bad
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return bad
	}
	if _, err := dec.Token(); err != io.EOF {
		return NewError(http.StatusBadRequest, "invalid request", FieldError{In: "body", Message: "unexpected data after the JSON value"})
	}
	return nil
}

// PathKey returns the path parameter name, unescaped.
func PathKey(r *http.Request, name string) (string, error) {
	v, err := pathParam(r, chi.URLParam(r, name))
	if err != nil {
		return "", NewError(http.StatusBadRequest, "invalid request", FieldError{In: "path", Field: name, Message: "value is not a valid path segment"})
	}
	return v, nil
}

// pathParam unescapes the path parameter v of r. chi matches the escaped
// path (RawPath) when the URL has one and the decoded path otherwise, so v
// is unescaped only in the first case: "/tags/50%25off" has no RawPath
// (Go re-escapes its Path to the same text) and v is already "50%off".
func pathParam(r *http.Request, v string) (string, error) {
	if r.URL.RawPath == "" {
		return v, nil
	}
	return url.PathUnescape(v)
}

// intParam returns the integer query parameter name, or def.
func intParam(q url.Values, name string, def int) int {
	if v, err := strconv.Atoi(q.Get(name)); err == nil {
		return v
	}
	return def
}
