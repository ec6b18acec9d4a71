// Package curriculumtest holds a tiny valid content tree for tests of the
// curriculum loader and of the pages that show it. It imports only the
// curriculum package, so a fuzz test built on it stays small and fast.
package curriculumtest

import (
	"strings"
	"testing/fstest"

	"github.com/kynangso/kynangso/internal/curriculum"
)

// MiniLesson is a complete, valid lesson of three questions. Tests edit it
// to produce each kind of content error; they know its line numbers.
const MiniLesson = `---
title: "Bật Wi-Fi"
slug: bat-wifi
order: 1
minutes: 4
summary: "Kết nối mạng không dây."
objectives:
  - "Bật Wi-Fi."
competences: ["0.1", "1.1"]
sources:
  - title: "Nguồn"
    url: "https://example.org/nguon"
quiz:
  - id: q1
    question: "Câu một?"
    options:
      - id: a
        text: "Đáp án a"
        correct: true
        explanation: "Đúng."
      - id: b
        text: "Đáp án b"
        explanation: "Sai."
  - id: q2
    question: "Câu hai?"
    options:
      - id: a
        text: "Đáp án a"
        explanation: "Sai."
      - id: b
        text: "Đáp án b"
        correct: true
        explanation: "Đúng."
  - id: q3
    question: "Câu ba?"
    options:
      - id: a
        text: "Đáp án a"
        correct: true
        explanation: "Đúng."
      - id: b
        text: "Đáp án b"
        explanation: "Sai."
---
Mở đầu.

## Các bước

1. Chạm vào "Cài đặt".

![Màn hình Wi-Fi](/media/wifi.svg)

Xem [bài khác](/modules/email/bat-wifi).

> **Ghi nhớ:** Hỏi người thân khi chưa chắc.
`

// MiniSVG is a valid illustration.
const MiniSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" viewBox="0 0 320 200"><rect width="320" height="200" fill="#eee"/></svg>`

// MiniContent returns a small valid content tree: six modules with one
// lesson each (slug bat-wifi), an English translation of the internet one,
// and one illustration. The English email lesson falls back to Vietnamese.
func MiniContent() fstest.MapFS {
	fsys := fstest.MapFS{"media/wifi.svg": {Data: []byte(MiniSVG)}}
	for _, m := range curriculum.ModuleSlugs() {
		fsys["vi/"+m+"/module.yaml"] = &fstest.MapFile{Data: []byte("title: \"Mô-đun " + m + "\"\nsummary: \"Tóm tắt.\"\n")}
		fsys["vi/"+m+"/01-bat-wifi.md"] = &fstest.MapFile{Data: []byte(MiniLesson)}
	}
	fsys["en/internet/module.yaml"] = &fstest.MapFile{Data: []byte("title: \"Internet\"\nsummary: \"Summary.\"\n")}
	fsys["en/internet/01-bat-wifi.md"] = &fstest.MapFile{Data: []byte(strings.Replace(MiniLesson, `"Bật Wi-Fi"`, `"Turn on Wi-Fi"`, 1))}
	return fsys
}
