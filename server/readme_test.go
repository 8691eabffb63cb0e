package server_test

import (
	"bufio"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database/dbtest"
)

// readmeCommand is one command of a README shell block, on one line, with
// the README line it starts on and the comment the README puts next to it.
type readmeCommand struct {
	line, last int // the README lines it starts and ends on
	text       string
	comment    string
}

// readmeBlocks returns the shell blocks of the README that call the API (a
// line running curl), in order: fenced ```sh blocks and indented ones, each
// command joined onto one line, its trailing comment — or the comment lines
// right after it — kept as what the README says it answers.
func readmeBlocks(t *testing.T, path string) [][]readmeCommand {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks [][]readmeCommand
	var cur []readmeCommand
	fenced, indented := false, false
	flush := func() {
		for _, c := range cur {
			if strings.Contains(c.text, "curl ") {
				blocks = append(blocks, cur)
				break
			}
		}
		cur, fenced, indented = nil, false, false
	}
	var pending *readmeCommand // a command continued on the next line
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		var line string
		switch {
		case fenced && strings.HasPrefix(raw, "```"):
			flush()
			continue
		case fenced:
			line = raw
		case strings.HasPrefix(raw, "```sh"):
			flush()
			fenced = true
			continue
		case strings.HasPrefix(raw, "    ") && (indented || len(cur) == 0):
			indented = true
			line = raw[4:]
		case indented && strings.TrimSpace(raw) == "":
			continue
		default:
			if indented {
				flush()
			}
			continue
		}
		if pending != nil {
			text, comment := line, ""
			if !openQuote(pending.text) {
				text, comment = splitComment(line)
			}
			text = strings.TrimSpace(text)
			pending.text += " " + strings.TrimSpace(strings.TrimSuffix(text, "\\"))
			pending.last = n
			if comment != "" {
				pending.comment = comment
			}
			if !strings.HasSuffix(text, "\\") && !openQuote(pending.text) {
				pending = nil
			}
			continue
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if strings.HasPrefix(trimmed, "#") {
			// A comment line right after a command, saying what it answers
			// (a status or JSON), is the command's.
			c := strings.TrimSpace(strings.TrimPrefix(trimmed, "#"))
			if len(cur) > 0 && cur[len(cur)-1].comment == "" && cur[len(cur)-1].last == n-1 &&
				(statusCode.MatchString(c) && strings.IndexFunc(c, func(r rune) bool { return r < '0' || r > '9' }) == 3 || strings.HasPrefix(c, "{")) {
				cur[len(cur)-1].comment = c
			}
			continue
		}
		text, comment := splitComment(line)
		cur = append(cur, readmeCommand{line: n, last: n, text: strings.TrimSuffix(strings.TrimSpace(text), "\\"), comment: comment})
		if strings.HasSuffix(strings.TrimSpace(text), "\\") || openQuote(text) {
			pending = &cur[len(cur)-1]
		}
	}
	flush()
	return blocks
}

// openQuote reports whether text leaves a quote open: the command goes on
// on the next line.
func openQuote(text string) bool {
	var quote rune
	for _, r := range text {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '\'' || r == '"'):
			quote = r
		}
	}
	return quote != 0
}

// splitComment splits a shell line at its comment: a # after a space,
// outside quotes.
func splitComment(line string) (text, comment string) {
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && i > 0 && line[i-1] == ' ':
			return line[:i], strings.TrimSpace(line[i+1:])
		}
	}
	return line, ""
}

// curlWrapper records, for each curl a script runs, the script line that
// ran it and the HTTP status (on README_STATUS) and the body (on
// README_BODIES), leaving what the command prints as it is.
const curlWrapper = `curl() {
  local args=() fmt="" line="${BASH_LINENO[0]}"
  while [ $# -gt 0 ]; do
    case "$1" in
      -w|--write-out) fmt="$2"; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  printf '\n__BODY__ %s\n' "$line" >> "$README_BODIES"
  command curl "${args[@]}" -w "${fmt}%{stderr}__STATUS__ ${line} %{http_code}\n" 2>>"$README_STATUS" | tee -a "$README_BODIES"
}
`

var (
	statusCode = regexp.MustCompile(`\b[1-5][0-9][0-9]\b`)
	jsonPart   = regexp.MustCompile(`\{"[^{}…]*\}`)
)

// TestREADME runs the README's API examples, in order, against a fresh
// server on each database — the curl blocks as they are written, with
// localhost:8080 pointing at it — and checks each answer against what the
// README says next to it: the status codes it names (any 2xx or 304 where
// it names none) and the JSON it quotes.
func TestREADME(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	blocks := readmeBlocks(t, "../README.md")
	if len(blocks) < 5 {
		t.Fatalf("found %d README blocks with curl, want the usage sections'", len(blocks))
	}
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		db := dbtest.Open(t, dbURL)
		h, err := server.New(t.Context(), db, testLogger(), server.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(h)
		defer ts.Close()
		host := strings.TrimPrefix(ts.URL, "http://")
		dir := t.TempDir()
		var script strings.Builder
		script.WriteString(curlWrapper)
		lines := map[int]readmeCommand{} // script line -> command
		n := strings.Count(curlWrapper, "\n")
		for _, b := range blocks {
			for _, c := range b {
				n++
				lines[n] = c
				script.WriteString(strings.ReplaceAll(c.text, "localhost:8080", host) + "\n")
			}
		}
		cmd := exec.Command("bash", "-c", script.String())
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "README_STATUS="+filepath.Join(dir, "status"), "README_BODIES="+filepath.Join(dir, "bodies"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("the README's commands: %v\n%s", err, out)
		}
		status := map[int]int{}
		raw, _ := os.ReadFile(filepath.Join(dir, "status"))
		for _, l := range strings.Split(string(raw), "\n") {
			var line, code int
			if _, rest, ok := strings.Cut(l, "__STATUS__ "); ok {
				if _, err := fmt.Sscanf(rest, "%d %d", &line, &code); err == nil {
					status[line] = code
				}
			}
		}
		bodies := map[int]string{}
		rawBodies, _ := os.ReadFile(filepath.Join(dir, "bodies"))
		for _, part := range strings.Split(string(rawBodies), "\n__BODY__ ")[1:] {
			num, body, _ := strings.Cut(part, "\n")
			if line, err := strconv.Atoi(num); err == nil {
				bodies[line] = body
			}
		}
		checked := 0
		for line, c := range lines {
			if !strings.Contains(c.text, "curl ") {
				continue
			}
			got, ok := status[line]
			if !ok {
				t.Errorf("README line %d: %s: no answer recorded", c.line, c.text)
				continue
			}
			checked++
			want := statusCode.FindAllString(c.comment, -1)
			switch {
			case len(want) > 0 && !slices.Contains(want, strconv.Itoa(got)):
				t.Errorf("README line %d: %s\n  answered %d; the README says %q", c.line, c.text, got, c.comment)
			case len(want) == 0 && (got < 200 || got >= 300) && got != 304:
				t.Errorf("README line %d: %s\n  answered %d: %s", c.line, c.text, got, bodies[line])
			}
			for _, j := range jsonPart.FindAllString(c.comment, -1) {
				if !strings.Contains(strings.ReplaceAll(bodies[line], " ", ""), strings.ReplaceAll(j, " ", "")) {
					t.Errorf("README line %d: %s\n  answered %s; the README says it holds %s", c.line, c.text, bodies[line], j)
				}
			}
		}
		t.Logf("%d README commands checked", checked)
	})
}
