package server

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Build describes the running binary, from the build information the Go
// toolchain records in it (runtime/debug.ReadBuildInfo): the module
// version ("(devel)" for a build from a checkout, v1.2.3 for go install
// …@v1.2.3) and the VCS commit it was built from.
type Build struct {
	Version   string
	Commit    string // full revision, or "unknown" (built without VCS information)
	Time      string // commit time, RFC 3339, or ""
	Modified  bool   // built from a working tree with uncommitted changes
	GoVersion string
}

// BuildInfo returns the Build of the running binary.
func BuildInfo() Build {
	b := Build{Version: "unknown", Commit: "unknown", GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if info.Main.Version != "" {
		b.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is the line `blog version` prints.
func (b Build) String() string {
	s := fmt.Sprintf("blog %s commit %s", b.Version, b.Commit)
	if b.Time != "" {
		s += " (" + b.Time + ")"
	}
	if b.Modified {
		s += " with uncommitted changes"
	}
	return s + fmt.Sprintf(" %s %s/%s", b.GoVersion, runtime.GOOS, runtime.GOARCH)
}
