// The shapes of the /api/v1 documents the UI reads (docs/api/*.md has every field).
export interface Money {
  amount: number;
  currency: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  size: number;
  totalItems: number;
  totalPages: number;
}

export interface Venue {
  name: string;
  address?: string;
  city: string;
  country: string;
}

export interface PriceCategory {
  categoryId: string;
  name: string;
  price: Money;
  totalSeats: number;
}

export interface EventDoc {
  id: string;
  name: string;
  organizerId: string;
  description: string;
  category: string;
  startsAt: string;
  endsAt: string;
  timezone: string;
  venue: Venue;
  priceCategories: PriceCategory[];
  status: string;
}

export interface CategoryAvailability {
  categoryId: string;
  categoryName: string;
  price: Money;
  totalSeats: number;
  availableSeats: number;
  reservedSeats: number;
  soldSeats: number;
}

export interface Availability {
  eventId: string;
  status: string;
  availableTickets: number;
  priceCategories: CategoryAvailability[];
  version: number;
}

export interface OrderItem {
  categoryId: string;
  ticketCount: number;
  unitPrice: Money | null;
  amount: Money | null;
}

export interface Order {
  id: string;
  eventId: string;
  items: OrderItem[];
  total: Money | null;
  status: "Pending" | "Reserved" | "Paid" | "Completed" | "Failed" | "Cancelled" | "Refunded" | "PartiallyRefunded";
  expiresAt: string | null;
  failureReason: string | null;
  failureDetail: string | null;
  cancellation: { reason: string; pending: boolean } | null;
  checkout: { state: string; currentStep: string; awaitingPayment: boolean } | null;
  payment: { method: string; brand?: string; last4?: string } | null;
}

export interface Ticket {
  ticketId: string;
  orderId: string;
  eventId: string;
  categoryId: string;
  categoryName: string;
  holderName: string;
  code: string;
  status: "Valid" | "CheckedIn" | "Voided" | "Transferred";
  issuedAt: string;
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  roles: string[];
}

export interface TokenAnswer {
  accessToken: string;
  expiresIn: number;
}
