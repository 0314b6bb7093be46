package rest

func (h *Handler) rightRoutes() {}
