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
	"time"
)

// Client is the transport of the generated typed client: it encodes requests,
// decodes responses, and returns an *Error for every error response.
type Client struct {
	base  string
	hc    *http.Client
	token string
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithToken makes the client send token as a bearer token on every
// request (a server run with API tokens requires one on writes).
func WithToken(token string) ClientOption { return func(c *Client) { c.token = token } }

// NewClient returns a Client for the API at baseURL ("http://localhost:8080").
// A nil hc means http.DefaultClient.
func NewClient(baseURL string, hc *http.Client, opts ...ClientOption) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := &Client{base: strings.TrimSuffix(baseURL, "/"), hc: hc}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Response is what a call's response said besides its body: its status
// (200 or 201 from PUT of a unique child), and headers such as ETag,
// Location and Preference-Applied.
type Response struct {
	Status int
	Header http.Header
}

type responseKey struct{}
type headerKey struct{}

// Capture returns a context under which a call of the typed client
// records its response's status and headers in r.
func Capture(ctx context.Context, r *Response) context.Context {
	return context.WithValue(ctx, responseKey{}, r)
}

// WithHeader returns a context under which calls of the typed client send
// the header key: value as well (If-Match with an ETag read before).
func WithHeader(ctx context.Context, key, value string) context.Context {
	h, _ := ctx.Value(headerKey{}).(http.Header)
	h = h.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Add(key, value)
	return context.WithValue(ctx, headerKey{}, h)
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
	if h, ok := ctx.Value(headerKey{}).(http.Header); ok {
		for k, vs := range h {
			req.Header[k] = append(req.Header[k], vs...)
		}
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
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
	if r, ok := ctx.Value(responseKey{}).(*Response); ok {
		r.Status, r.Header = resp.StatusCode, resp.Header
	}
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

// FilterValue formats a filter value as the API reads it: times in RFC
// 3339 with nanoseconds, other values as fmt prints them.
func FilterValue(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// FilterList formats the values of an in filter: comma-separated.
func FilterList[T any](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = FilterValue(v)
	}
	return strings.Join(s, ",")
}
