package rest

func (h *Handler) logRoutes() {}
