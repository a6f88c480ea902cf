#pragma once
// The notifications module's answers as OpenAPI schemas (kernel/openapi.hpp), one place for all
// of them. Each mirrors a renderer member by member: change one, change the other (the
// integration tests check every answer against these):
//   NotificationPreferences     preferences.cpp    toJson
//   InAppNotification           deliveries.cpp     inAppJson
//   NotificationDelivery        deliveries.cpp     deliveryJson
//   NotificationTemplate        template_routes.cpp templateJson
//   NotificationTemplateSummary template_routes.cpp TemplateRoutes::list
#include "boxoffice/kernel/openapi.hpp"

namespace boxoffice::notifications::api_schemas {

// Defines the named schemas above; called once from the module's route registration (defining
// them again with the same content is harmless).
void defineSchemas(openapi::Components& components);

// Value sets the routes and schemas share, built from the module's own lists.
openapi::Schema notificationType();  // every type of the catalogue (catalogue.cpp)
openapi::Schema channel();           // email | sms | push | inApp
openapi::Schema category();          // transactional | marketing | reminders
openapi::Schema deliveryStatus();    // Queued | Sent | Failed | Suppressed
openapi::Schema templateLanguage();  // en | de (template_store.hpp)

// Request bodies (the routes' validators stay the authority: these describe what they accept).
openapi::Schema preferencesBody();  // PUT /api/v1/notifications/preferences (preferences.cpp)
openapi::Schema templateBody();     // PUT /api/v1/admin/templates/... (template_routes.cpp readSource)

}  // namespace boxoffice::notifications::api_schemas
