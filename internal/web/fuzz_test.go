package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kynangso/kynangso/internal/config"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/validate"
)

// FuzzRegisterForm posts the registration form with arbitrary values in its
// text fields, through the real router onto a real database. Whatever is
// sent, the answer is a redirect (registered) or a 4xx page, never a 5xx;
// and what is stored is exactly the text rule's cleaned form of what was
// typed, so nothing refused reaches the database or a certificate.
func FuzzRegisterForm(f *testing.F) {
	f.Add("Nguyễn Thị Hoa", "1961", "Ấp Mỹ Hòa", "0912 345 678")
	f.Add("Nguy\xffn", "19\x0061", "\u202eẤp", "+84 912")
	f.Add("<b>An</b>", "năm 60", "'; DROP TABLE learners; --", "")
	f.Add(strings.Repeat("ễ", 81), "", "", "0000000000")
	// Each try comes from its own address (through a trusted proxy), so the
	// registration throttle does not turn the fuzzing into 429s.
	srv := testutil.NewServer(f, testutil.ServerOptions{Config: config.Config{TrustProxy: true}})
	var n atomic.Uint32
	commune, _ := pilotCommune(f, srv.Store)
	f.Fuzz(func(t *testing.T, name, year, village, phone string) {
		c := testutil.NewClient(t, srv.URL)
		c.Header.Set("Sec-Fetch-Site", "same-origin")
		i := n.Add(1)
		c.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		form := url.Values{"name": {name}, "birth_year": {year}, "commune": {commune}, "village": {village},
			"phone": {phone}, "consent": {"yes"}}
		res := c.Post("/register", form)
		switch {
		case res.Status >= 500:
			t.Fatalf("%d for %q", res.Status, form)
		case res.Status == http.StatusSeeOther:
			m := codeRe.FindStringSubmatch(c.Get("/welcome").Body)
			if m == nil {
				t.Fatalf("registered %q but no code shown", form)
			}
			l, err := srv.Store.LearnerByCode(context.Background(), m[1]+m[2])
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := validate.Text(name, 80); l.Name != want {
				t.Fatalf("stored name %q for %q; want %q", l.Name, name, want)
			}
			if want, _ := validate.Text(village, 80); want != "" && (l.Village == nil || *l.Village != want) {
				t.Fatalf("stored village %v for %q; want %q", l.Village, village, want)
			}
		case res.Status >= 400:
			if !strings.Contains(res.Body, `role="alert"`) {
				t.Fatalf("%d without a message for %q", res.Status, form)
			}
		default:
			t.Fatalf("unexpected %d for %q", res.Status, form)
		}
	})
}
