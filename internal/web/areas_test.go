package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// scopeWorld is the fixture of the route × role table: two pilot communes
// in two districts, each with a trainer, a class and a learner whose name
// appears nowhere else, plus a supervisor for each district.
type scopeWorld struct {
	srv          *testutil.Server
	communeA     store.Unit // in district 859, which the demo's "huyen" supervises
	communeB     store.Unit // a pilot commune of another district
	classA       store.Class
	learnerA     store.Learner // "Zzq Ngoài A"
	learnerB     store.Learner // "Zzq Ngoài B"
	trainerA     store.User
	trainerB     store.User
	supervisorB  string // supervises communeB's district
	districtOfB  string
	resourceArgs map[string]string // route parameter → a value naming a thing of commune A
}

func newScopeWorld(t *testing.T) *scopeWorld {
	t.Helper()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	w := &scopeWorld{srv: srv}
	communes, err := srv.Store.UnitsByLevel(ctx, "commune")
	assert.NoErr(t, err)
	for _, c := range communes {
		switch {
		case !c.Pilot:
		case strings.HasPrefix(c.Path, "/86/859/") && w.communeA.Code == "":
			w.communeA = c
		case !strings.HasPrefix(c.Path, "/86/859/") && w.communeB.Code == "":
			w.communeB = c
		}
	}
	if w.communeA.Code == "" || w.communeB.Code == "" {
		t.Fatal("the demo needs pilot communes in two districts")
	}
	w.districtOfB = *w.communeB.ParentCode
	w.supervisorB = "huyen" + w.districtOfB
	addUser(t, srv.Store, w.supervisorB, auth.RoleSupervisor, w.districtOfB)
	for _, x := range []struct {
		unit    store.Unit
		name    string
		learner *store.Learner
		trainer *store.User
		class   *store.Class
	}{{w.communeA, "Zzq Ngoài A", &w.learnerA, &w.trainerA, &w.classA}, {w.communeB, "Zzq Ngoài B", &w.learnerB, &w.trainerB, nil}} {
		classes, err := srv.Store.ClassesByUnit(ctx, x.unit.Code)
		assert.NoErr(t, err)
		*x.learner = store.Learner{Name: x.name, BirthYear: 1955, UnitCode: x.unit.Code, ClassID: &classes[0].ID}
		assert.NoErr(t, srv.Store.CreateLearner(ctx, x.learner))
		*x.trainer, err = srv.Store.UserByUsername(ctx, "gv"+x.unit.Code)
		assert.NoErr(t, err)
		if x.class != nil {
			*x.class = classes[0]
		}
	}
	tokenA := store.APIToken{Name: "Token A", TokenHash: "hash-of-token-a", UnitCode: w.communeA.Code}
	assert.NoErr(t, srv.Store.CreateAPIToken(ctx, &tokenA))
	// A session of class A, today, with attendance taken and a lesson
	// finished in person, so its pages show learner A's name.
	m := testutil.Catalog(t).Modules("vi")[0]
	today := time.Now().In(vietnam(t)).Format("2006-01-02")
	session, err := srv.Store.OpenSession(ctx, store.OpenSessionInput{ClassID: w.classA.ID, HeldOn: today, By: w.trainerA.ID,
		Lessons: []store.LessonRef{{Module: m.Slug, Lesson: m.Lessons[0].Slug}}})
	assert.NoErr(t, err)
	_, err = srv.Store.SaveAttendance(ctx, w.classA.ID, session.ID, []int64{w.learnerA.ID})
	assert.NoErr(t, err)
	village, err := srv.Store.CreateVillage(ctx, w.communeA, "Ấp Zzq")
	assert.NoErr(t, err)
	w.resourceArgs = map[string]string{
		// Staff pages' route parameters, each naming something of commune
		// A. A helper adding a route with a new parameter adds it here.
		"id":      fmt.Sprint(w.trainerA.ID), // /admin/users/:id
		"class":   fmt.Sprint(w.classA.ID),   // /trainer/classes/:class/...
		"session": fmt.Sprint(session.ID),    // .../sessions/:session
		"learner": fmt.Sprint(w.learnerA.ID), // /trainer/learners/:learner
		"module":  m.Slug,                    // .../grid/:module
		"village": village.Code,              // /trainer/villages/:village
		"code":    w.communeA.Code,           // /reports/units/:code/..., /reports/api/units/:code, /admin/units/:code
		"token":   fmt.Sprint(tokenA.ID),     // /admin/tokens/:token/revoke
	}
	return w
}

// role is one kind of visitor in the table.
type role struct {
	name   string
	client func(t *testing.T, w *scopeWorld) *testutil.Client
	areas  []string // areas it may enter
	seesA  bool     // commune A lies in its scope
	seesB  bool
}

func roles() []role {
	login := func(user func(w *scopeWorld) string) func(t *testing.T, w *scopeWorld) *testutil.Client {
		return func(t *testing.T, w *scopeWorld) *testutil.Client {
			return staffLogin(t, w.srv, user(w), demo.Password)
		}
	}
	return []role{
		{name: "anonymous", client: func(t *testing.T, w *scopeWorld) *testutil.Client { return w.srv.Client() }},
		{name: "learner", client: func(t *testing.T, w *scopeWorld) *testutil.Client {
			c, _ := register(t, w.srv, "Người Học Thử")
			return c
		}},
		{name: "trainer of the commune", client: login(func(w *scopeWorld) string { return w.trainerA.Username }), areas: []string{"/trainer", "/account"}, seesA: true},
		{name: "trainer of another commune", client: login(func(w *scopeWorld) string { return w.trainerB.Username }), areas: []string{"/trainer", "/account"}, seesB: true},
		{name: "supervisor of the district", client: login(func(*scopeWorld) string { return "huyen" }), areas: []string{"/reports", "/account"}, seesA: true},
		{name: "supervisor of another district", client: login(func(w *scopeWorld) string { return w.supervisorB }), areas: []string{"/reports", "/account"}, seesB: true},
		{name: "admin of the province", client: login(func(*scopeWorld) string { return "admin" }), areas: []string{"/trainer", "/reports", "/admin", "/account"}, seesA: true, seesB: true},
	}
}

// TestEveryStaffRouteByRole walks every route under /trainer, /reports,
// /admin and /account, for every kind of visitor: visitors and learners are
// sent to the sign-in form, staff whose role may not enter the area get
// 403, a thing outside their unit's subtree is 404, and no answer ever
// carries the name of a learner outside the visitor's scope.
func TestEveryStaffRouteByRole(t *testing.T) {
	w := newScopeWorld(t)
	type route struct {
		method, path string // path with parameters filled in
		names        bool   // the route names one thing (it has a parameter)
	}
	var routes []route
	for _, r := range w.srv.App.Routes() {
		area := areaOf(r.Path)
		if area == "" || strings.HasSuffix(r.Path, "/*") || (r.Method != http.MethodGet && r.Method != http.MethodPost) {
			continue
		}
		routes = append(routes, route{r.Method, fillParams(t, r.Path, w.resourceArgs), strings.Contains(r.Path, "/:")})
	}
	slices.SortFunc(routes, func(a, b route) int { return strings.Compare(a.path+a.method, b.path+b.method) })
	cases := 0
	for _, ro := range roles() {
		c := ro.client(t, w)
		c.Header.Set("Sec-Fetch-Site", "same-origin")
		for _, rt := range routes {
			cases++
			method, path := rt.method, rt.path
			var res testutil.Response
			if method == http.MethodGet {
				res = c.Get(path)
			} else {
				res = c.Post(path, url.Values{})
			}
			where := fmt.Sprintf("%s %s as %s", method, path, ro.name)
			allowed := slices.Contains(ro.areas, areaOf(path))
			names := rt.names
			switch {
			case ro.areas == nil:
				assert.True(t, res.Status == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login?next="), "%s: %d, want the sign-in form", where, res.Status)
			case !allowed:
				assert.True(t, res.Status == http.StatusForbidden, "%s: %d, want 403", where, res.Status)
			case names && !ro.seesA:
				assert.True(t, res.Status == http.StatusNotFound, "%s: %d, want 404 (outside the scope)", where, res.Status)
			default:
				assert.True(t, res.Status < 500 && res.Status != http.StatusForbidden && res.Status != http.StatusNotFound,
					"%s: %d\n%.800s", where, res.Status, res.Body)
			}
			if !ro.seesB {
				assert.NotContains(t, res.Body, w.learnerB.Name)
			}
			if !ro.seesA {
				assert.NotContains(t, res.Body, w.learnerA.Name)
			}
		}
	}
	t.Logf("%d routes × %d roles = %d cases on %s", len(routes), len(roles()), cases, w.srv.Store.Dialect())
}

// areaOf names the staff area a path belongs to, or "".
func areaOf(path string) string {
	for _, a := range []string{"/trainer", "/reports", "/admin", "/account"} {
		if path == a || strings.HasPrefix(path, a+"/") {
			return a
		}
	}
	return ""
}

// fillParams replaces each :param of a route pattern by its test value.
func fillParams(t *testing.T, pattern string, args map[string]string) string {
	t.Helper()
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		if name, ok := strings.CutPrefix(p, ":"); ok {
			v, found := args[name]
			if !found {
				t.Fatalf("route %s: no test value for :%s (add one to scopeWorld.resourceArgs)", pattern, name)
			}
			parts[i] = url.PathEscape(v)
		}
	}
	return strings.Join(parts, "/")
}

// vietnam is the time zone the trainers' days are counted in.
func vietnam(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	assert.NoErr(t, err)
	return loc
}
