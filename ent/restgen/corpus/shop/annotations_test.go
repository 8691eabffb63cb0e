package shop_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/entblog/blog/ent/restgen/corpus/shop/ent"
	"github.com/entblog/blog/ent/restgen/corpus/shop/ent/migrate"
	"github.com/entblog/blog/ent/restgen/corpus/shop/rest"
	"github.com/entblog/blog/openapi/restkit"
	"github.com/entblog/blog/server/conformance"
	"github.com/entblog/blog/server/database"
	"github.com/entblog/blog/server/database/dbtest"

	"github.com/go-chi/chi/v5"
)

// TestAnnotations checks what the shop's schema says through the
// generator's annotations reaches the spec and the handlers: products come
// 20 to a page, at most 50 (annotation.PageSize), and a customer's reviews
// are not nested in its create body (annotation.NoNest) while its addresses
// are.
func TestAnnotations(t *testing.T) {
	spec, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := conformance.Doc(t, spec)
	per := doc.Paths.Value("/products").Get.Parameters.GetByInAndName("query", "itemsPerPage").Schema.Value
	if per.Max == nil || *per.Max != 50 || fmt.Sprint(per.Default) != "20" {
		t.Errorf("/products itemsPerPage: max %v, default %v; want 50 and 20", per.Max, per.Default)
	}
	body := conformance.BodySchema(doc.Paths.Value("/customers").Post)
	if body.Properties["reviews"] != nil || body.Properties["addresses"] == nil {
		t.Errorf("POST /customers body: reviews %v, addresses %v; want only addresses nested", body.Properties["reviews"] != nil, body.Properties["addresses"] != nil)
	}
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		conn := dbtest.Connect(t, dbURL)
		client := ent.NewClient(ent.Driver(conn.Driver))
		if err := client.Schema.Create(t.Context(), database.MigrateOptions(conn.Driver.Dialect(), migrate.Tables)...); err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(conformance.CheckResponses(t, doc, conformance.Handler(t, spec, rest.ClassifyError, func(r chi.Router, api *restkit.API) {
			rest.Routes(r, client, conn.Driver, api)
		})))
		t.Cleanup(ts.Close)
		c := rest.NewClient(ts.URL, ts.Client())
		for i := range 21 {
			if _, err := c.CreateProduct(t.Context(), rest.ProductCreate{Sku: fmt.Sprint("sku-", i), Name: "p", Price: 1}); err != nil {
				t.Fatal(err)
			}
		}
		page, err := c.ListProduct(t.Context(), restkit.ListParams{})
		if err != nil || len(page.Items) != 20 || page.Total != 21 {
			t.Fatalf("GET /products: %v, %d items of %d; want 20 of 21", err, len(page.Items), page.Total)
		}
		for _, q := range []string{"itemsPerPage=51", "itemsPerPage=0"} {
			resp, err := http.Get(ts.URL + "/products?" + q)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("GET /products?%s: got %d, want 400", q, resp.StatusCode)
			}
		}
		resp, err := http.Post(ts.URL+"/customers", "application/json", strings.NewReader(`{"name":"c","email":"c@example.com","reviews":[]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /customers with nested reviews: got %d, want 400", resp.StatusCode)
		}
	})
}
