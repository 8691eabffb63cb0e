package restkit

import (
	"os/exec"
	"strings"
	"testing"
)

func TestJSONShape(t *testing.T) {
	for _, tc := range []struct {
		body string
		want jsonShape
	}{
		{`{}`, jsonShape{depth: 1}},
		{`{"a":[1,2,3],"b":{"c":[]}}`, jsonShape{depth: 3, longest: 3, values: 3}},
		{`{"s":"[[[,,,]]]"}`, jsonShape{depth: 1}},
		{`{"s":"\"[" , "t": [ [1] , [2,3] ]}`, jsonShape{depth: 3, longest: 2, values: 3}},
		{`[` + strings.Repeat("0,", 1500) + `0]`, jsonShape{depth: 1, longest: 1501, values: 1500}},
	} {
		if got := jsonShapeOf([]byte(tc.body)); got != tc.want {
			t.Errorf("jsonShapeOf(%.40s) = %+v, want %+v", tc.body, got, tc.want)
		}
	}
}

func TestLoneSurrogate(t *testing.T) {
	for body, want := range map[string]bool{
		`{"a":"\ud83d\ude00"}`: false, // a pair: 😀
		`{"a":"\uD83D\uDE00"}`: false,
		`{"a":"\ud83d"}`:       true,
		`{"a":"\ud83dx"}`:      true,
		`{"a":"\ude00"}`:       true,
		`{"a":"\\ud83d"}`:      false, // an escaped backslash, then text
		`{"a":"\u00e9"}`:       false,
	} {
		if got := loneSurrogate([]byte(body)); got != want {
			t.Errorf("loneSurrogate(%s) = %v, want %v", body, got, want)
		}
	}
}

func TestBadString(t *testing.T) {
	field, why := badString([]byte(`{"posts":[{"title":"ok"},{"title":"a\u0000b"}]}`))
	if field != "posts.1.title" || why == "" {
		t.Errorf("got %q, %q; want posts.1.title and a reason", field, why)
	}
	if field, why := badString([]byte(`{"a":"\u00e9"}`)); field != "" || why != "" {
		t.Errorf("got %q, %q for storable text, want nothing", field, why)
	}
}

// TestRuntimeImportsNothingGenerated: the runtime is usable by any
// generated package, so it may import none.
func TestRuntimeImportsNothingGenerated(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/entblog/blog/") && dep != "github.com/entblog/blog/openapi/restkit" {
			t.Errorf("restkit depends on %s", dep)
		}
	}
}
