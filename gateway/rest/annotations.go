package rest

func (h *Handler) annotationRoutes() {}
