// Supervision of what runs in containers: services (named, supervised
// processes with a restart policy and process control STOP / START / QUIT)
// and pods (init containers, then containers probed for liveness and
// readiness, folded into one healthy bit). Its state lives in the depot, so
// a supervisor process that dies is restarted and carries on.
#pragma once
