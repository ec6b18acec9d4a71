package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/store"
)

// The report API (DESIGN §4) for the province's reporting system:
// GET /reports/api/units/{code} answers JSON for the unit and its
// children, to a signed-in supervisor or admin, or to a program holding an
// API token (Authorization: Bearer) that an admin made for a unit. A token
// reads its unit's subtree only; every use is logged.

// apiUnit is one unit in the API's answer. The field names are a stable
// interface: scripts rely on them.
type apiUnit struct {
	Code       string                     `json:"code"`
	Name       string                     `json:"name"`
	Level      string                     `json:"level"`
	Population *int64                     `json:"population"`
	Target     *int                       `json:"target"`
	Registered int64                      `json:"registered"`
	Active30d  int64                      `json:"active_30d"`
	Reached    int64                      `json:"reached"`
	Graduates  int64                      `json:"graduates"`
	Modules    map[string]int64           `json:"modules"`
	Tasks      map[string]store.TaskReach `json:"tasks"`
	Children   []apiUnit                  `json:"children,omitempty"`
}

// apiTokenPrefix starts every token, so that one found lying around can be
// recognised (and searched for in code and logs).
const apiTokenPrefix = "kns_"

// newAPIToken makes a token: the prefix and 32 random bytes.
func newAPIToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return apiTokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// tokenOrStaff guards the machine-readable report routes: with an
// Authorization header the request must carry a valid, unrevoked token
// (401 otherwise) and is logged against it; without one it is treated as
// any page of the reports area (staff session, role check).
func (s *Server) tokenOrStaff(next echo.HandlerFunc) echo.HandlerFunc {
	area := s.requireArea("/reports")(next)
	return func(c echo.Context) error {
		auth := c.Request().Header.Get(echo.HeaderAuthorization)
		if auth == "" {
			return area(c)
		}
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || !strings.HasPrefix(token, apiTokenPrefix) || len(token) > 100 {
			return s.unauthorized(c)
		}
		ctx := c.Request().Context()
		t, err := s.store.APITokenByHash(ctx, hashToken(token))
		if errors.Is(err, store.ErrNotFound) || err == nil && !t.Active() {
			return s.unauthorized(c)
		}
		if err != nil {
			return err
		}
		c.Set(keyToken, &t)
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		err = next(c)
		status := c.Response().Status
		if err != nil {
			status = http.StatusInternalServerError
			var he *echo.HTTPError
			if errors.As(err, &he) {
				status = he.Code
			}
		}
		if lerr := s.store.LogTokenUse(ctx, t.ID, c.Request().URL.Path, status); lerr != nil {
			s.log.Warn("log token use", "err", lerr)
		}
		return err
	}
}

func (s *Server) unauthorized(c echo.Context) error {
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="kynangso"`)
	return c.JSON(http.StatusUnauthorized, map[string]string{"error": "invalid or revoked token"})
}

// reportAPI answers the JSON of a unit and its children (?depth=2 or 3
// goes further down, for a province's whole tree in one call).
func (s *Server) reportAPI(c echo.Context) error {
	u, err := s.unitFromParam(c)
	if err != nil {
		if errors.Is(err, echo.ErrNotFound) {
			return c.JSON(http.StatusNotFound, map[string]string{"error": "no such unit in your scope"})
		}
		return err
	}
	depth := 1
	if d, err := strconv.Atoi(c.QueryParam("depth")); err == nil && d >= 0 && d <= 3 {
		depth = d
	}
	out, err := s.apiUnitOf(c, u, depth)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiUnitOf builds a unit's answer with depth levels of children.
func (s *Server) apiUnitOf(c echo.Context, u store.Unit, depth int) (apiUnit, error) {
	ctx := c.Request().Context()
	kids, err := s.store.ChildUnits(ctx, u.Code)
	if err != nil {
		return apiUnit{}, err
	}
	codes := []string{u.Code}
	if depth > 0 {
		for _, k := range kids {
			codes = append(codes, k.Code)
		}
	}
	counts, err := s.store.UnitCountsOf(ctx, codes)
	if err != nil {
		return apiUnit{}, err
	}
	out := apiJSON(u, counts[u.Code])
	if depth == 0 {
		return out, nil
	}
	out.Children = []apiUnit{}
	for _, k := range kids {
		if depth == 1 {
			out.Children = append(out.Children, apiJSON(k, counts[k.Code]))
			continue
		}
		child, err := s.apiUnitOf(c, k, depth-1)
		if err != nil {
			return apiUnit{}, err
		}
		out.Children = append(out.Children, child)
	}
	return out, nil
}

func apiJSON(u store.Unit, c store.UnitCounts) apiUnit {
	a := apiUnit{Code: u.Code, Name: u.Name, Level: u.Level, Population: u.Population, Target: u.Target,
		Registered: c.Registered, Active30d: c.Active30d, Reached: c.Reached, Graduates: c.Graduates,
		Modules: c.Modules, Tasks: c.Tasks}
	if a.Modules == nil {
		a.Modules = map[string]int64{}
	}
	if a.Tasks == nil {
		a.Tasks = map[string]store.TaskReach{}
	}
	return a
}
