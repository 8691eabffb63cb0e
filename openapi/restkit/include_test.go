package restkit_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/entblog/blog/openapi/restkit"

	_ "modernc.org/sqlite"
)

// TestOrZeroScansNullAsZero checks the scan target the generated loaders use
// for optional columns without a pointer field: NULL becomes the zero value,
// a value is converted as database/sql converts it.
func TestOrZeroScansNullAsZero(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, n, when := "stale", 7, time.Now()
	if err := db.QueryRow(`SELECT NULL, NULL, NULL`).Scan(restkit.OrZero(&s), restkit.OrZero(&n), restkit.OrZero(&when)); err != nil {
		t.Fatal(err)
	}
	if s != "" || n != 0 || !when.IsZero() {
		t.Errorf("NULLs scanned as %q, %d, %v; want zero values", s, n, when)
	}
	if err := db.QueryRow(`SELECT 'x', 42`).Scan(restkit.OrZero(&s), restkit.OrZero(&n)); err != nil {
		t.Fatal(err)
	}
	if s != "x" || n != 42 {
		t.Errorf("values scanned as %q, %d; want x, 42", s, n)
	}
	if err := db.QueryRow(`SELECT 'not a number'`).Scan(restkit.OrZero(&n)); err == nil {
		t.Error("a string scanned into an int without error")
	}
}
