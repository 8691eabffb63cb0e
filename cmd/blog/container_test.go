package main

import (
	"bytes"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/entblog/blog/server/database"

	"entgo.io/ent/dialect"
	"gopkg.in/yaml.v3"
)

// TestContainerFiles checks what can be checked of .deploy without a
// container engine (CI builds the image where one runs): the Dockerfile's
// build command makes a static binary, the image runs it as a non-root
// user listening on every interface, and every blog command compose.yaml
// runs is one the binary takes, on a PostgreSQL URL, the API after the
// one-shot migration.
func TestContainerFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dockerfile, err := os.ReadFile("../../.deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FROM gcr.io/distroless/static-debian12:nonroot", "USER 65532:65532", "BLOG_ADDR=:8080", `ENTRYPOINT ["/usr/local/bin/blog"]`} {
		if !bytes.Contains(dockerfile, []byte(want)) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	build := regexp.MustCompile(`RUN CGO_ENABLED=0 go build (.*) -o /out/blog ./cmd/blog`).FindSubmatch(dockerfile)
	if build == nil {
		t.Fatal("Dockerfile: no static go build of ./cmd/blog")
	}
	bin := filepath.Join(t.TempDir(), "blog")
	args := append([]string{"build"}, shellWords(string(build[1]))...)
	cmd := exec.Command("go", append(args, "-o", bin, ".")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the Dockerfile's build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is not static: it has a %v program header", p.Type)
		}
	}

	raw, err := os.ReadFile("../../.deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image   string `yaml:"image"`
			Build   *struct{ Context, Dockerfile string }
			Command []string          `yaml:"command"`
			Env     map[string]string `yaml:"environment"`
			Depends map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatal(err)
	}
	for name, s := range compose.Services {
		if s.Build != nil {
			if _, err := os.Stat(filepath.Join("../../.deploy", s.Build.Context, s.Build.Dockerfile)); err != nil {
				t.Errorf("service %s builds %s from %s: %v", name, s.Build.Dockerfile, s.Build.Context, err)
			}
		}
		if s.Image != "blog:local" {
			continue
		}
		var out, errOut bytes.Buffer
		if code := run(context.Background(), append(s.Command, "--help"), func(string) string { return "" }, &out, &errOut); code != 0 {
			t.Errorf("service %s runs blog %v, which the binary does not take: %s", name, s.Command, errOut.String())
		}
		if dia, err := database.DialectOf(s.Env["DATABASE_URL"]); err != nil || dia != dialect.Postgres {
			t.Errorf("service %s: DATABASE_URL %q is not PostgreSQL (%v)", name, s.Env["DATABASE_URL"], err)
		}
	}
	if c := compose.Services["api"].Depends["migrate"].Condition; c != "service_completed_successfully" {
		t.Errorf("the api starts on %q of migrate, want service_completed_successfully", c)
	}
	if c := compose.Services["migrate"].Depends["db"].Condition; c != "service_healthy" {
		t.Errorf("migrate starts on %q of db, want service_healthy", c)
	}
}

// shellWords splits s into words as a shell does for the simple cases a
// Dockerfile's RUN line holds: spaces separate, single quotes group.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	quoted, in := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				words = append(words, w.String())
				w.Reset()
			}
			in = false
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}

// TestInstallFromAnotherModule: another module that requires this one
// (through a replace, as a fork or a monorepo would) can go install the
// blog command and build a program on its packages; the binary runs.
func TestInstallFromAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/consumer\n\ngo 1.26\n\nrequire github.com/entblog/blog v0.0.0\n\nreplace github.com/entblog/blog => "+root+"\n")
	// A program on the generated client and the runtime, as a team's would be.
	write("main.go", `package main

import (
	"fmt"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/openapi/restkit"
)

func main() {
	c := rest.NewClient("http://127.0.0.1:8080", nil, restkit.WithToken("t"))
	fmt.Println(c != nil, rest.UserWhere().NameEq("ada").Values().Encode())
}
`)
	bin := t.TempDir()
	for _, args := range [][]string{
		{"mod", "tidy"},
		{"install", "github.com/entblog/blog/cmd/blog"},
		{"run", "."},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %v in another module: %v\n%s", args, err, out)
		}
		if args[0] == "run" && !strings.Contains(string(out), "true name.eq=ada") {
			t.Errorf("the consumer's program printed %q", out)
		}
	}
	out, err := exec.Command(filepath.Join(bin, "blog"), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "blog ") {
		t.Errorf("the installed blog version: %v %q", err, out)
	}
}
