package restkit

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// pgKey finds the columns in PostgreSQL's detail "Key (email)=(x) already exists."
var pgKey = regexp.MustCompile(`^Key \(([^)]+)\)=`)

// pgReferencedFrom finds the referencing table in PostgreSQL's detail
// "Key (id)=(1) is still referenced from table "posts"."
var pgReferencedFrom = regexp.MustCompile(`is still referenced from table "([^"]+)"`)

// constraint maps a database constraint violation to a client error that
// names the field, without the driver's text. Column names are the API's
// field names (ent uses the field name as the column name).
//
// deleting tells a delete (which a foreign key without ON DELETE CASCADE or
// SET NULL restricts: other rows still refer to the row) from a write
// referring to a row that does not exist.
func constraint(err error, deleting bool) *Error {
	kind, columns := violation(err)
	if kind == "foreign_key" && deleting {
		e := NewError(http.StatusConflict, "other rows still refer to it; delete or detach them first")
		if _, detail, ok := pgError(err); ok {
			if m := pgReferencedFrom.FindStringSubmatch(detail); m != nil {
				e.Detail = fmt.Sprintf("rows of %s still refer to it; delete or detach them first", m[1])
			}
		}
		return e
	}
	switch kind {
	case "unique":
		e := NewError(http.StatusConflict, "a unique field is already taken")
		for _, c := range columns {
			e.Errors = append(e.Errors, FieldError{In: "body", Field: c, Message: "already taken"})
		}
		return e
	case "foreign_key":
		return NewError(http.StatusConflict, "a referenced resource does not exist (any more)")
	default:
		return NewError(http.StatusConflict, "the request conflicts with existing data")
	}
}

// pgError returns the SQLSTATE and detail of a PostgreSQL error from either
// driver: pgx's *pgconn.PgError or lib/pq's *pq.Error.
func pgError(err error) (code, detail string, ok bool) {
	var pgxErr *pgconn.PgError
	if errors.As(err, &pgxErr) {
		return pgxErr.Code, pgxErr.Detail, true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return string(pqErr.Code), pqErr.Detail, true
	}
	return "", "", false
}

// violation returns the kind of constraint err violates and the columns
// involved, when the driver says.
func violation(err error) (kind string, columns []string) {
	if code, detail, ok := pgError(err); ok {
		switch code {
		case "23505":
			kind = "unique"
		case "23503":
			kind = "foreign_key"
		}
		if m := pgKey.FindStringSubmatch(detail); m != nil {
			columns = strings.Split(m[1], ", ")
		}
		return kind, columns
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		msg := liteErr.Error()
		switch liteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			kind = "unique"
			// "... UNIQUE constraint failed: users.email (2067)"
			if _, cols, ok := strings.Cut(msg, "constraint failed: "); ok {
				cols, _, _ = strings.Cut(cols, " (")
				for _, c := range strings.Split(cols, ", ") {
					_, col, _ := strings.Cut(c, ".")
					columns = append(columns, col)
				}
			}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			kind = "foreign_key"
		}
	}
	return kind, columns
}
