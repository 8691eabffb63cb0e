// Package docs serves interactive API documentation for the spec at
// /openapi.json: Swagger UI 5.35.0 (npm swagger-ui-dist, Apache-2.0; see
// assets/LICENSE), vendored in assets/ and embedded, so the page works
// offline. "Try it out" calls the server that serves the page.
package docs

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/go-chi/chi/v5"
)

//go:embed assets
var assets embed.FS

// page is the docs page; its script is a separate file so that a strict
// Content-Security-Policy (no inline script) holds.
const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>blog API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`

const initJS = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true
});
`

// Routes registers GET /docs and its assets on r; notFound answers for an
// asset that does not exist (the API's one error shape).
func Routes(r chi.Router, notFound http.HandlerFunc) {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic("docs: assets not embedded: " + err.Error())
	}
	files := http.StripPrefix("/docs/assets/", http.FileServerFS(sub))
	// GET /docs
	r.Get("/docs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
		_, _ = w.Write([]byte(page))
	})
	// GET /docs/init.js
	r.Get("/docs/init.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write([]byte(initJS))
	})
	// GET /docs/assets/*
	r.Get("/docs/assets/*", func(w http.ResponseWriter, r *http.Request) {
		if st, err := fs.Stat(sub, chi.URLParam(r, "*")); err != nil || st.IsDir() {
			notFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
