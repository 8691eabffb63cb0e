package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/server/database/dbtest"
)

// sendH sends a request with headers h and a JSON body (if any) and returns
// the response and its body.
func sendH(t *testing.T, method, url, body string, h map[string]string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestConditionalRequests: reads carry an ETag (strong for a resource, weak
// for a list page) and answer 304 to If-None-Match while it is current,
// compressed or not; writes with If-Match run only while the resource is
// unchanged, and answer 412 otherwise, leaving it as it was.
func TestConditionalRequests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		ctx := context.Background()
		u, err := api.CreateUser(ctx, rest.UserCreate{Name: "ada", Profile: &rest.UserProfileCreate{Bio: "b"}})
		if err != nil {
			t.Fatal(err)
		}
		item := fmt.Sprintf("%s/users/%d", api.URL, u.ID)

		resp, _ := sendH(t, "GET", item, "", nil)
		tag := resp.Header.Get("ETag")
		if !strings.HasPrefix(tag, `"`) {
			t.Fatalf("GET %s: ETag %q, want a strong tag", item, tag)
		}
		if resp, body := sendH(t, "GET", item, "", map[string]string{"If-None-Match": tag}); resp.StatusCode != http.StatusNotModified || body != "" || resp.Header.Get("ETag") != tag {
			t.Errorf("GET with If-None-Match %s: %d %q, ETag %q; want 304, no body, the same tag", tag, resp.StatusCode, body, resp.Header.Get("ETag"))
		}
		if resp, _ := sendH(t, "GET", item+"?include=profile", "", map[string]string{"If-None-Match": tag}); resp.StatusCode != http.StatusOK {
			t.Errorf("GET ?include=profile with the plain read's tag: %d, want 200 (another representation)", resp.StatusCode)
		}
		// A compressed representation has its own tag, which revalidates too.
		resp, _ = rawDo(t, "GET", api.URL+"/openapi.json", nil)
		if resp.Header.Get("ETag") != "" {
			t.Errorf("GET /openapi.json: ETag %q, want none (not a resource of the API)", resp.Header.Get("ETag"))
		}
		list := api.URL + "/users?include=profile"
		resp, _ = sendH(t, "GET", list, "", map[string]string{"Accept-Encoding": "identity"})
		weak := resp.Header.Get("ETag")
		if !strings.HasPrefix(weak, `W/"`) {
			t.Fatalf("GET /users: ETag %q, want a weak tag", weak)
		}
		if resp, _ := sendH(t, "GET", list, "", map[string]string{"If-None-Match": weak}); resp.StatusCode != http.StatusNotModified {
			t.Errorf("GET /users with If-None-Match %s: %d, want 304", weak, resp.StatusCode)
		}

		// Writes: a stale tag is refused and changes nothing.
		patch := func(match, name string) int {
			resp, _ := sendH(t, "PATCH", item, fmt.Sprintf(`{"name":%q}`, name), map[string]string{"If-Match": match})
			return resp.StatusCode
		}
		if code := patch(tag, "grace"); code != http.StatusOK {
			t.Fatalf("PATCH with the current tag: %d, want 200", code)
		}
		if code := patch(tag, "linus"); code != http.StatusPreconditionFailed {
			t.Errorf("PATCH with a stale tag: %d, want 412", code)
		}
		if got, err := api.ReadUser(ctx, u.ID, ""); err != nil || got.Name != "grace" {
			t.Errorf("after the refused PATCH: %+v, %v; want name grace", got, err)
		}
		if resp, _ := sendH(t, "GET", list, "", map[string]string{"If-None-Match": weak}); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /users with the tag of before the PATCH: %d, want 200", resp.StatusCode)
		}
		if code := patch("*", "grace"); code != http.StatusOK {
			t.Errorf("PATCH with If-Match *: %d, want 200", code)
		}
		resp, _ = sendH(t, "GET", item, "", map[string]string{"Accept-Encoding": "gzip"})
		if code := patch(resp.Header.Get("ETag"), "grace"); code != http.StatusOK {
			t.Errorf("PATCH with the tag of a gzip read (%s): %d, want 200", resp.Header.Get("ETag"), code)
		}
		if resp, _ := sendH(t, "PATCH", api.URL+"/users/999999", `{"name":"x"}`, map[string]string{"If-Match": "*"}); resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("PATCH a missing user with If-Match *: %d, want 412", resp.StatusCode)
		}

		// The unique child, and deletes.
		profile := item + "/profile"
		resp, _ = sendH(t, "GET", profile, "", nil)
		ptag := resp.Header.Get("ETag")
		if resp, _ := sendH(t, "PUT", profile, `{"bio":"new"}`, map[string]string{"If-Match": `"stale"`}); resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("PUT profile with a stale tag: %d, want 412", resp.StatusCode)
		}
		if resp, _ := sendH(t, "PUT", profile, `{"bio":"new"}`, map[string]string{"If-Match": ptag}); resp.StatusCode != http.StatusOK {
			t.Errorf("PUT profile with its tag: %d, want 200", resp.StatusCode)
		}
		resp, _ = sendH(t, "GET", item, "", nil)
		if code, _ := sendH(t, "DELETE", item, "", map[string]string{"If-Match": tag}); code.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("DELETE with a stale tag: %d, want 412", code.StatusCode)
		}
		if code, _ := sendH(t, "DELETE", item, "", map[string]string{"If-Match": resp.Header.Get("ETag")}); code.StatusCode != http.StatusNoContent {
			t.Errorf("DELETE with the current tag: %d, want 204", code.StatusCode)
		}
	})
}

// TestIfMatchRace: writers that read the same tag race to PATCH with it;
// the check and the write are one transaction on the locked row, so exactly
// one wins and the others get 412.
func TestIfMatchRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		u, err := api.CreateUser(context.Background(), rest.UserCreate{Name: "start"})
		if err != nil {
			t.Fatal(err)
		}
		item := fmt.Sprintf("%s/users/%d", api.URL, u.ID)
		resp, _ := sendH(t, "GET", item, "", nil)
		tag := resp.Header.Get("ETag")
		const writers = 8
		codes := make(chan int, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, _ := sendH(t, "PATCH", item, fmt.Sprintf(`{"name":"writer-%d"}`, i), map[string]string{"If-Match": tag})
				codes <- resp.StatusCode
			}()
		}
		wg.Wait()
		close(codes)
		count := map[int]int{}
		for c := range codes {
			count[c]++
		}
		if count[http.StatusOK] != 1 || count[http.StatusPreconditionFailed] != writers-1 {
			t.Errorf("%d writers with one tag: %v; want one 200 and %d 412", writers, count, writers-1)
		}
	})
}

// TestIfMatchOnLinks: the routes that change an item's links by key are
// conditional on the item's ETag (its plain read): a stale one is 412 with
// the links unchanged, the current one applies, and the change gives the
// item a new ETag (its updated_at moved).
func TestIfMatchOnLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		api := newAPI(t, dbURL)
		u, err := api.CreateUser(context.Background(), rest.UserCreate{Name: "ada", Posts: []rest.UserPostCreate{{Title: "t", Content: "c", Tags: []string{"a"}}}})
		if err != nil {
			t.Fatal(err)
		}
		item := fmt.Sprintf("%s/posts/%d", api.URL, u.Posts[0].ID)
		resp, _ := sendH(t, "GET", item, "", nil)
		tag := resp.Header.Get("ETag")
		for _, c := range []struct{ method, path, body string }{
			{"PUT", "/tags", `{"names":["b"]}`},
			{"POST", "/tags", `{"names":["c"]}`},
			{"DELETE", "/tags/a", ""},
		} {
			resp, body := sendH(t, c.method, item+c.path, c.body, map[string]string{"If-Match": `"stale"`})
			if resp.StatusCode != http.StatusPreconditionFailed {
				t.Errorf("%s %s with a stale If-Match: %d %s, want 412", c.method, c.path, resp.StatusCode, body)
			}
		}
		if n := api.count(t, "post_tags", ""); n != 1 {
			t.Errorf("%d links after refused writes, want the 1 there was", n)
		}
		resp, body := sendH(t, "PUT", item+"/tags", `{"names":["b"]}`, map[string]string{"If-Match": tag})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"name":"b"`) {
			t.Fatalf("PUT tags with the current If-Match: %d %s", resp.StatusCode, body)
		}
		resp, body = sendH(t, "DELETE", item+"/tags/b", "", map[string]string{"If-Match": tag})
		if resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("DELETE a link with the ETag from before the PUT: %d %s, want 412", resp.StatusCode, body)
		}
	})
}
