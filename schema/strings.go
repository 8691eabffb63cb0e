package schema

import (
	"regexp"

	"entgo.io/contrib/entoas"
	"github.com/ogen-go/ogen"
)

// emailPattern is the shape an email must have. It is enforced by ent on every
// write and published in the OpenAPI spec, so clients validate the same way.
const emailPattern = `^[^@\s]+@[^@\s]+\.[^@\s]+$`

var emailRegexp = regexp.MustCompile(emailPattern)

// text returns the OpenAPI annotation of a string field holding between minLen
// and maxLen characters. The ent builder states the same bounds with MinLen and
// MaxLen; TestSpecMatchesSchema checks the two never drift apart.
func text(minLen, maxLen uint64) entoas.Annotation {
	return entoas.Schema(ogen.String().SetMinLength(&minLen).SetMaxLength(&maxLen))
}
