package schema

import (
	"regexp"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/index"
	"github.com/ogen-go/ogen"
)

// emailPattern is the shape an email must have: an RFC 5322 dot-atom local
// part and a host name with at least two labels, in ASCII. It is enforced by
// ent on every write and published in the OpenAPI spec next to format:
// email; it accepts a subset of what any email validator accepts, so every
// address the service returns decodes in clients that check the format. It
// is valid in both Go's and ECMAScript's regular expression syntax.
const emailPattern = "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*" +
	"@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"

var emailRegexp = regexp.MustCompile(emailPattern)

// text returns the OpenAPI annotation of a string field holding between minLen
// and maxLen characters. The ent builder states the same bounds with
// MinRuneLen and MaxRuneLen (characters, as the spec counts, not bytes); TestSpecMatchesSchema checks the two never drift apart.
func text(minLen, maxLen uint64) entoas.Annotation {
	return entoas.Schema(ogen.String().SetMinLength(&minLen).SetMaxLength(&maxLen))
}

// trigramIndexes returns a trigram index on each of fields, on PostgreSQL
// only (GIN with pg_trgm's gin_trgm_ops; the migration that adds the first
// one creates the extension): the contains filters and q, which match
// substrings ignoring case (ILIKE '%…%'), find their rows through it
// instead of reading every row, for patterns of three characters or more.
// SQLite gets no index for them: a B-tree cannot serve a substring match.
func trigramIndexes(table string, fields ...string) []ent.Index {
	idx := make([]ent.Index, len(fields))
	for i, f := range fields {
		idx[i] = index.Fields(f).
			StorageKey(table+"_"+f+"_trgm").
			Annotations(
				entsql.IndexTypes(map[string]string{dialect.Postgres: "GIN"}),
				entsql.OpClass("gin_trgm_ops"),
			)
	}
	return idx
}
