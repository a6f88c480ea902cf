#pragma once
// The HTTP face of the module (docs/api/inventory.md; seed 000 TicketInventory, seed 003
// POST /concerts/{id}/reserve): thin handlers that parse the request, hand a command to the
// engine or read a snapshot, and render.
//
// The routes that answer from memory or hand their command to the engine run on the io thread
// (Execution::IoThread) and answer through `Respond` once the engine's group commit is durable:
// under a ticket rush a thread hop costs more than the work itself.
#include "boxoffice/inventory/api.hpp"
#include "boxoffice/kernel/db.hpp"
#include "boxoffice/kernel/live_documents.hpp"
#include "boxoffice/kernel/router.hpp"
#include "engine.hpp"

namespace boxoffice::inventory {

class Routes {
 public:
  Routes(Engine& engine, Database& store, LiveDocuments& live) : engine_(engine), store_(store), live_(live) {}
  void registerAll(Router& router);
  // Seat commands go to whichever instance owns the seats (api.hpp: SeatOwnership).
  void forwardThrough(SeatOwnership& ownership) { ownership_ = &ownership; }

 private:
  void availability(const http::Request& request, const RequestContext& ctx, Respond respond);
  void reserve(const http::Request& request, const RequestContext& ctx, Respond respond);
  void reserveConcert(const http::Request& request, const RequestContext& ctx, Respond respond);
  void confirm(const http::Request& request, const RequestContext& ctx, Respond respond);
  void release(const http::Request& request, const RequestContext& ctx, Respond respond);
  void changeCapacity(const http::Request& request, const RequestContext& ctx, Respond respond);
  http::Response status(const http::Request& request, RequestContext& ctx);
  http::Response audit(const http::Request& request, RequestContext& ctx);
  http::Response reservation(const http::Request& request, RequestContext& ctx);

  void reserveAt(const std::string& eventId, const http::Request& request, const RequestContext& ctx, Respond respond);
  // Runs `command` on the engine, or forwards `request` to the owner of the seats, and answers
  // once the command is durable. `decorate` adds headers to a success from this engine.
  void submit(Command command, const http::Request& request, const RequestContext& ctx, Respond respond,
              std::function<void(const Outcome&, http::Response&)> decorate = {});

  Engine& engine_;
  Database& store_;
  LiveDocuments& live_;
  SeatOwnership* ownership_ = nullptr;  // null: the only instance
};

}  // namespace boxoffice::inventory
