package schema

import (
	"regexp"

	"entgo.io/contrib/entoas"
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
