package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
)

// asset is one file served under a fingerprinted URL, compressed once at
// start-up instead of on every request.
type asset struct {
	name, hash, ctype string
	data, gz          []byte
}

// size is what the file costs to download: compressed, when it compresses.
func (f *asset) size() int {
	if f.gz != nil {
		return len(f.gz)
	}
	return len(f.data)
}

// assets serves a set of files at prefix/<hash>/<name>. The hash changes
// whenever the file does, so a matching URL can be cached for a year.
type assets struct {
	prefix string
	files  map[string]*asset
}

// assetFile is a file to serve; an empty hash is computed here.
type assetFile struct {
	data []byte
	hash string
}

// newAssets prepares files for serving. Lesson illustrations come with the
// hash the curriculum already put in their URLs, so the two cannot differ.
func newAssets(prefix string, files map[string]assetFile) (*assets, error) {
	a := &assets{prefix: prefix, files: map[string]*asset{}}
	zw, err := gzip.NewWriterLevel(nil, gzip.BestCompression) // one writer, reset per file
	if err != nil {
		return nil, err
	}
	for name, file := range files {
		data, hash := file.data, file.hash
		if hash == "" {
			sum := sha256.Sum256(data)
			hash = hex.EncodeToString(sum[:5])
		}
		f := &asset{name: name, hash: hash, data: data, ctype: mime.TypeByExtension(path.Ext(name))}
		if f.ctype == "" {
			return nil, fmt.Errorf("web: unknown type of asset %s", name)
		}
		var buf bytes.Buffer
		zw.Reset(&buf)
		_, _ = zw.Write(data)
		_ = zw.Close()
		if buf.Len() < len(data) {
			f.gz = buf.Bytes()
		}
		a.files[name] = f
	}
	return a, nil
}

// staticFiles reads every file of an embedded folder.
func staticFiles(fsys fs.FS) (map[string]assetFile, error) {
	files := map[string]assetFile{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		// The service worker is served at /sw.js (offline.go), never
		// under a fingerprinted URL: its address is its identity.
		if err != nil || d.IsDir() || path.Ext(p) == ".go" || p == "sw.js" {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		files[p] = assetFile{data: data}
		return err
	})
	return files, err
}

// url returns the fingerprinted URL of an asset. Templates call it as
// {{asset "app.css"}}; an unknown name fails the render, which the template
// tests catch.
func (a *assets) url(name string) (string, error) {
	f, ok := a.files[name]
	if !ok {
		return "", fmt.Errorf("web: no asset %q", name)
	}
	return a.prefix + f.hash + "/" + f.name, nil
}

// inline returns a small SVG asset as a data: URL, for the page's icon:
// one request fewer on a first visit (DESIGN §5 allows five).
func (a *assets) inline(name string) (template.URL, error) {
	f, ok := a.files[name]
	if !ok || f.ctype != "image/svg+xml" {
		return "", fmt.Errorf("web: no SVG asset %q", name)
	}
	return template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(f.data)), nil //nolint:gosec // our own file, type checked above
}

// serve answers GET prefix/:hash/:name. An old hash still gets the current
// file (a page cached before a deploy), but without the long cache header.
func (a *assets) serve(c echo.Context) error {
	f, ok := a.files[c.Param("name")]
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	if c.Param("hash") == f.hash {
		h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		h.Set(echo.HeaderCacheControl, "public, max-age=300")
	}
	h.Set("ETag", `"`+f.hash+`"`)
	if strings.HasSuffix(f.name, ".svg") {
		// An SVG opened directly must not run anything.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	}
	if c.Request().Header.Get("If-None-Match") == `"`+f.hash+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	if f.gz != nil && strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip") {
		h.Set(echo.HeaderContentEncoding, "gzip")
		return c.Blob(http.StatusOK, f.ctype, f.gz)
	}
	return c.Blob(http.StatusOK, f.ctype, f.data)
}
