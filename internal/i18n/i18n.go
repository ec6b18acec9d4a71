// Package i18n holds the interface messages (locales/vi.toml, the complete
// default, and locales/en.toml) and translates them per request. Lesson text
// is not here: it lives in content/<locale>/. It must not import echo or
// internal/web.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var localeFS embed.FS

// Default is the language used when nothing else matches.
const Default = "vi"

// Languages returns the supported languages, default first.
func Languages() []string { return []string{"vi", "en"} }

// Bundle is the loaded message catalogue. It is never changed after New, so
// localizers may read it from many goroutines at once.
type Bundle struct {
	b          *goi18n.Bundle
	matcher    language.Matcher
	localizers map[string]*Localizer
}

// New loads the embedded message files.
func New(log *slog.Logger) (*Bundle, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := goi18n.NewBundle(language.Vietnamese)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	tags := make([]language.Tag, 0, len(Languages()))
	for _, lang := range Languages() {
		if _, err := b.LoadMessageFileFS(localeFS, "locales/"+lang+".toml"); err != nil {
			return nil, fmt.Errorf("i18n: load %s: %w", lang, err)
		}
		tags = append(tags, language.MustParse(lang))
	}
	bundle := &Bundle{b: b, matcher: language.NewMatcher(tags), localizers: map[string]*Localizer{}}
	msgs, err := Messages(Default)
	if err != nil {
		return nil, err
	}
	for _, lang := range Languages() {
		// Vietnamese is always the fallback, so an English page never shows
		// a bare message id.
		l := &Localizer{Lang: lang, l: goi18n.NewLocalizer(b, lang, Default), log: log, plain: map[string]string{}}
		// Messages without placeholders or plural forms are translated once
		// here: a page asks for dozens of them, and go-i18n runs a template
		// for each call.
		for id, text := range msgs {
			if !strings.Contains(id, "#") && !strings.Contains(text, "{{") {
				l.plain[id] = l.localize(id, nil, nil)
			}
		}
		bundle.localizers[lang] = l
	}
	return bundle, nil
}

// Localizer returns the translator for a supported language (Vietnamese for
// anything else). Localizers are built once and shared between requests.
func (b *Bundle) Localizer(lang string) *Localizer {
	if l, ok := b.localizers[lang]; ok {
		return l
	}
	return b.localizers[Default]
}

// Supported tells whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages() {
		if l == lang {
			return true
		}
	}
	return false
}

// Match picks the best supported language for an Accept-Language header,
// or Default when the header names none of them.
func (b *Bundle) Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Default
	}
	_, idx, conf := b.matcher.Match(tags...)
	if conf == language.No {
		return Default
	}
	return Languages()[idx]
}

// Localizer translates message ids into one language.
type Localizer struct {
	Lang  string
	l     *goi18n.Localizer
	log   *slog.Logger
	plain map[string]string // translations of messages without placeholders; read-only after New
}

// T translates id. kv are placeholder pairs: T("quiz.score", "Score", 2).
// A missing id returns the id itself (and logs it), so a page never fails
// to render because of a translation; tests keep that from happening.
func (l *Localizer) T(id string, kv ...any) string {
	if len(kv) == 0 {
		if s, ok := l.plain[id]; ok {
			return s
		}
	}
	return l.localize(id, nil, kv)
}

// N translates a counted message, choosing the plural form for n. The
// placeholder {{.Count}} holds n.
func (l *Localizer) N(id string, n int, kv ...any) string {
	return l.localize(id, n, append(kv, "Count", n))
}

func (l *Localizer) localize(id string, count any, kv []any) string {
	var data map[string]any
	if len(kv) > 0 {
		data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			key, _ := kv[i].(string)
			data[key] = kv[i+1]
		}
	}
	s, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil {
		l.log.Debug("i18n: message missing", "id", id, "lang", l.Lang, "err", err)
		return id
	}
	return s
}

// Messages returns the raw message catalogue of one language as id → text
// (plural forms as id#one, id#other). Tests use it to compare languages.
func Messages(lang string) (map[string]string, error) {
	data, err := fs.ReadFile(localeFS, path.Join("locales", lang+".toml"))
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	if err := toml.Unmarshal(data, &tree); err != nil {
		return nil, fmt.Errorf("i18n: parse %s: %w", lang, err)
	}
	out := map[string]string{}
	flatten("", tree, out)
	return out, nil
}

var pluralForms = map[string]bool{"zero": true, "one": true, "two": true, "few": true, "many": true, "other": true}

func flatten(prefix string, tree map[string]any, out map[string]string) {
	keys := make([]string, 0, len(tree))
	for k := range tree {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		id := strings.TrimPrefix(prefix+"."+k, ".")
		switch v := tree[k].(type) {
		case string:
			if pluralForms[k] {
				out[prefix+"#"+k] = v
			} else {
				out[id] = v
			}
		case map[string]any:
			flatten(id, v, out)
		}
	}
}
