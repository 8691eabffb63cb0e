package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/entblog/blog/openapi/restkit"
)

// requireToken guards the API when tokens are configured: mutating requests
// (and reads, with readAuth) need "Authorization: Bearer TOKEN" with one of
// tokens, or get 401. Tokens are compared by their SHA-256 digests in
// constant time, so neither content nor length leaks through timing.
func requireToken(api *restkit.API, tokens []string, readAuth bool) func(http.Handler) http.Handler {
	digests := make([][32]byte, len(tokens))
	for i, t := range tokens {
		digests[i] = sha256.Sum256([]byte(t))
	}
	return func(next http.Handler) http.Handler {
		if len(tokens) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			read := r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
			if read && !readAuth {
				next.ServeHTTP(w, r)
				return
			}
			given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || !validToken(digests, given) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="blog"`)
				api.WriteError(w, r, restkit.NewError(http.StatusUnauthorized, "a valid bearer token is required"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// validToken compares given with every configured token, without stopping
// at a match.
func validToken(digests [][32]byte, given string) bool {
	d := sha256.Sum256([]byte(given))
	match := 0
	for _, want := range digests {
		match |= subtle.ConstantTimeCompare(d[:], want[:])
	}
	return match == 1
}
