// Package restkit is the hand-written support the generated REST layer
// (package rest) builds on: the one error type and the funnel that turns any
// error into an HTTP status, request validation against the OpenAPI spec, JSON
// helpers and the transport of the typed client.
package restkit

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ProblemType is the type of every problem the API answers: RFC 9457's
// "about:blank", whose title is the status's reason phrase; detail and the
// field errors say what is wrong.
const ProblemType = "about:blank"

// ProblemContentType is the media type of every error response (RFC 9457).
const ProblemContentType = "application/problem+json"

// Error is the body of every error response — an RFC 9457 problem details
// object carrying the invalid parts of the request and the request ID as
// extension members — and the error the typed client returns for one. Its
// shape is the spec's Problem schema.
type Error struct {
	// Type identifies the kind of problem (ProblemType).
	Type string `json:"type"`
	// Title is the HTTP status text.
	Title string `json:"title"`
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Detail says what went wrong and, where a value was refused, what was
	// expected.
	Detail string `json:"detail"`
	// Instance is the path of the request the problem occurred on.
	Instance string `json:"instance,omitempty"`
	// Errors names each invalid part of the request.
	Errors []FieldError `json:"errors,omitempty"`
	// RequestID identifies the request in the server log.
	RequestID string `json:"request_id,omitempty"`
}

// FieldError is one invalid part of a request.
type FieldError struct {
	// In is where the value is: body, query, path or header.
	In string `json:"in"`
	// Field is the parameter or body property, dotted for nested ones; empty
	// for the body as a whole.
	Field string `json:"field"`
	// Message says what is wrong with it.
	Message string `json:"message"`
}

// Error implements error.
func (e *Error) Error() string {
	msg := fmt.Sprintf("%d %s: %s", e.Status, e.Title, e.Detail)
	for _, f := range e.Errors {
		msg += fmt.Sprintf("; %s %q: %s", f.In, f.Field, f.Message)
	}
	return msg
}

// Field returns the error about field, or nil.
func (e *Error) Field(field string) *FieldError {
	for i := range e.Errors {
		if e.Errors[i].Field == field {
			return &e.Errors[i]
		}
	}
	return nil
}

// NewError returns an Error with status code and detail message.
func NewError(code int, message string, fields ...FieldError) *Error {
	return &Error{Type: ProblemType, Title: http.StatusText(code), Status: code, Detail: message, Errors: fields}
}

// Cause is the message of the innermost error err wraps: what a schema's
// validator said ("value out of range"), without the wrapping that names
// Go types.
func Cause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// Invalid returns a 400 Error about one body property.
func Invalid(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return NewError(http.StatusBadRequest, "invalid request", FieldError{In: "body", Field: field, Message: msg})
}

// NotFound returns a 404 Error saying which resource does not exist.
func NotFound(label string, id any) *Error {
	return NewError(http.StatusNotFound, fmt.Sprintf("%s %v not found", label, id))
}

// MissingIDs returns a 400 Error naming field when some of want is not in
// found (the ids of label that exist), and nil otherwise.
func MissingIDs[T ID](field, label string, want, found []T) error {
	have := make(map[T]bool, len(found))
	for _, id := range found {
		have[id] = true
	}
	var missing []string
	for _, id := range want {
		if !have[id] {
			missing = append(missing, fmt.Sprint(id))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return Invalid(field, "no %s with id %s", label, strings.Join(missing, ", "))
}

// RefIDs returns the ids refs point to, each once, in first-seen order.
func RefIDs[T ID](refs []*T) []T {
	var ids []T
	for _, r := range refs {
		if r != nil {
			ids = append(ids, *r)
		}
	}
	return Dedup(ids)
}

// MissingRefs returns a 400 Error with a field error for each item of refs
// that points to an id not in found (the ids of label that exist), naming it
// by field, a format taking the item's index ("posts.%d.editor_id") or a
// plain name; nil when every reference exists.
func MissingRefs[T ID](field, label string, refs []*T, found []T) error {
	have := make(map[T]bool, len(found))
	for _, id := range found {
		have[id] = true
	}
	var fields []FieldError
	for i, r := range refs {
		if r == nil || have[*r] {
			continue
		}
		fields = append(fields, FieldError{In: "body", Field: itemField(field, i), Message: fmt.Sprintf("no %s with id %v", label, *r)})
	}
	if len(fields) == 0 {
		return nil
	}
	return NewError(http.StatusBadRequest, "invalid request", fields...)
}

// Taken returns a 409 Error with a field error for each item of vals whose
// value is in existing or repeats an earlier item's, naming it by field (a
// format taking the item's index, or a plain name); nil when none is.
func Taken[T comparable](field string, vals []*T, existing []T) error {
	seen := make(map[T]bool, len(existing)+len(vals))
	for _, v := range existing {
		seen[v] = true
	}
	var fields []FieldError
	for i, v := range vals {
		if v == nil {
			continue
		}
		if seen[*v] {
			fields = append(fields, FieldError{In: "body", Field: itemField(field, i), Message: "already taken"})
		}
		seen[*v] = true
	}
	if len(fields) == 0 {
		return nil
	}
	return NewError(http.StatusConflict, "a unique field is already taken", fields...)
}

// itemField names item i of a nested list by field, a format taking the
// index ("posts.%d.editor_id"), or is field itself when it takes none.
func itemField(field string, i int) string {
	if strings.Contains(field, "%d") {
		return fmt.Sprintf(field, i)
	}
	return field
}

// Dedup returns ids without repeats, in first-seen order.
func Dedup[T comparable](ids []T) []T {
	seen := make(map[T]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
