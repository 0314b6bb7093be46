package rest

func (h *Handler) identityRoutes() {}
