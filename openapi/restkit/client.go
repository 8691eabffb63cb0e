package restkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Client is the transport of the generated typed client: it encodes requests,
// decodes responses, and returns an *Error for every error response.
type Client struct {
	base string
	hc   *http.Client
}

// NewClient returns a Client for the API at baseURL ("http://localhost:8080").
// A nil hc means http.DefaultClient.
func NewClient(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimSuffix(baseURL, "/"), hc: hc}
}

// ListParams selects a page of a list. Zero values are left out.
type ListParams struct {
	// Page is the page number, from 1; 0 means the first page.
	Page int
	// ItemsPerPage is the page size; 0 means the server's default.
	ItemsPerPage int
	// Cursor continues after the page that returned it as NextCursor.
	Cursor string
	// Sort lists fields to sort by, descending with a leading "-".
	Sort []string
	// Q searches the text fields.
	Q string
	// Filter holds filters by parameter name: {"name.contains": {"ali"}}.
	Filter url.Values
	// Or is an or group: "(name.eq.alice,email.contains.example)".
	Or string
	// Count lists edges whose row counts to include (posts → posts_count).
	Count []string
	// Include lists edge paths to embed in each item ("posts.tags").
	Include []string
	// Total says how the server computes Total (sent as Prefer: count=…);
	// empty means its default, CountEstimated.
	Total CountMode
}

// Header returns the request headers p asks for: Prefer for Total.
func (p ListParams) Header() http.Header {
	if p.Total == "" {
		return nil
	}
	return http.Header{"Prefer": {"count=" + string(p.Total)}}
}

// Query encodes p as query parameters.
func (p ListParams) Query() url.Values {
	q := url.Values{}
	for k, vs := range p.Filter {
		q[k] = vs
	}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	if p.Page != 0 {
		set("page", strconv.Itoa(p.Page))
	}
	if p.ItemsPerPage != 0 {
		set("itemsPerPage", strconv.Itoa(p.ItemsPerPage))
	}
	set("cursor", p.Cursor)
	set("sort", strings.Join(p.Sort, ","))
	set("q", p.Q)
	set("or", p.Or)
	set("count", strings.Join(p.Count, ","))
	set("include", strings.Join(p.Include, ","))
	return q
}

// Do sends a request with in as JSON body (when not nil) and decodes the
// response into out (when not nil).
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	return c.DoHeader(ctx, method, path, query, nil, in, out)
}

// DoHeader is Do with request headers (ListParams.Header).
func (c *Client) DoHeader(ctx context.Context, method, path string, query url.Values, header http.Header, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json, "+ProblemContentType)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		e := &Error{}
		if err := json.NewDecoder(resp.Body).Decode(e); err != nil || e.Status == 0 {
			return NewError(resp.StatusCode, "unreadable error response")
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decoding %s %s response: %w", method, path, err)
	}
	return nil
}
