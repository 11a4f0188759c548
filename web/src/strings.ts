// Every user-visible text of the dashboard, in Spanish. Components import from here only.
import type { HealthStatus, Platform, StandardEvent } from './api/types';

export const S = {
  app: {
    title: 'Píxeles y API de conversiones',
    subtitle:
      'Envía tus conversiones desde el servidor a Meta, Google Ads y TikTok para que ninguna venta, cita o lead se pierda por bloqueadores o restricciones de iOS.',
    loading: 'Cargando tus píxeles…',
    errorTitle: 'No hemos podido cargar tus píxeles',
    retry: 'Reintentar',
    addPixel: 'Conectar un píxel',
    emptyTitle: 'Aún no has conectado ningún píxel',
    emptyBody:
      'Conecta tu píxel de Meta, Google Ads o TikTok y empezaremos a enviar tus conversiones desde el servidor.',
    emptyCta: 'Conectar mi primer píxel',
    configsHeading: 'Tus píxeles conectados',
    delayNote:
      'Las plataformas muestran los eventos del servidor con retraso: pueden tardar hasta 20-30 minutos en aparecer en el Administrador de eventos de Meta o de TikTok, y varias horas en Google Ads.',
  },
  auth: {
    missingTitle: 'Abre esta página desde TrainerERP',
    missingBody:
      'No hemos encontrado tu sesión. Entra en TrainerERP y abre Marketing → Píxeles: la página se abrirá con tu sesión ya iniciada.',
    expiredTitle: 'Tu sesión ha caducado',
    expiredBody:
      'Por seguridad, la sesión de esta página dura unas horas. Vuelve a TrainerERP y abre de nuevo Marketing → Píxeles.',
    forbidden: 'No tienes permiso para hacer esto.',
  },
  platform: {
    name: { Meta: 'Meta (Facebook e Instagram)', Google: 'Google Ads', TikTok: 'TikTok' } satisfies Record<Platform, string>,
    short: { Meta: 'Meta', Google: 'Google Ads', TikTok: 'TikTok' } satisfies Record<Platform, string>,
    needs: {
      Meta: 'Necesitas el ID del píxel (conjunto de datos) y un token de acceso de la API de conversiones.',
      Google:
        'Necesitas el ID de cliente de Google Ads, un token de actualización OAuth y el ID de la acción de conversión de cada evento.',
      TikTok: 'Necesitas el código del píxel y un token de acceso de la Events API.',
    } satisfies Record<Platform, string>,
    where: {
      Meta: 'Administrador de eventos → tu conjunto de datos → Configuración → «Generar token de acceso».',
      Google:
        'Google Ads → Objetivos → Conversiones → Resumen: elige una acción de tipo «Importar desde clics»; el ID de cliente aparece arriba a la derecha.',
      TikTok: 'TikTok Ads Manager → Herramientas → Eventos → tu píxel → Configuración → «Generar token de acceso».',
    } satisfies Record<Platform, string>,
    logoLabel: (p: Platform) => `Logotipo de ${S.platform.short[p]}`,
  },
  health: {
    ok: 'Credenciales correctas',
    credentials_invalid: 'Credenciales no válidas',
    unverified: 'Sin verificar',
  } satisfies Record<HealthStatus, string>,
  card: {
    pixelId: (p: Platform) => (p === 'Google' ? 'ID de cliente' : p === 'TikTok' ? 'Código del píxel' : 'ID del píxel'),
    active: 'Activo',
    toggleLabel: (p: Platform, pixelId: string) => `Activar el envío a ${S.platform.short[p]} (${pixelId})`,
    activeOn: 'Enviando eventos',
    activeOff: 'En pausa',
    lastEvent: 'Último evento',
    noEvents: 'Todavía no se ha enviado ningún evento',
    lastError: 'Último error de la plataforma',
    edit: 'Editar',
    logs: 'Ver registros',
    test: 'Enviar evento de prueba',
    testing: 'Enviando prueba…',
    testOk: 'Evento de prueba aceptado por la plataforma.',
    testFailed: (message: string) => `La plataforma rechazó el evento de prueba: ${message}`,
    delete: 'Eliminar',
    toggleFailed: 'No hemos podido cambiar el estado del píxel. Lo hemos dejado como estaba.',
    browserPixelLabel: (p: Platform, pixelId: string) =>
      `Inyectar el píxel del navegador de ${S.platform.short[p]} en mis páginas (${pixelId})`,
    browserPixelOn: 'Píxel del navegador en tus páginas',
    browserPixelOff: 'Sin píxel del navegador',
    browserPixelFailed: 'No hemos podido cambiar el píxel del navegador. Lo hemos dejado como estaba.',
    browserPixelNeedsTag:
      'Para inyectar el píxel del navegador de Google Ads, añade primero el ID de la etiqueta (AW-…) desde «Editar».',
    deleteFailed: 'No hemos podido eliminar el píxel.',
    trackedEvents: (n: number) => (n === 1 ? '1 evento' : `${n} eventos`),
    actionsFor: (p: Platform, pixelId: string) => `${S.platform.short[p]} ${pixelId}`,
  },
  confirmDelete: {
    title: '¿Eliminar este píxel?',
    body: (p: Platform, pixelId: string) =>
      `Dejaremos de enviar eventos a ${S.platform.short[p]} (${pixelId}). Los envíos pendientes se cancelarán. Esta acción no se puede deshacer.`,
    confirm: 'Sí, eliminar',
    cancel: 'Cancelar',
    deleting: 'Eliminando…',
  },
  modal: {
    addTitle: 'Conectar un píxel',
    editTitle: (p: Platform) => `Editar píxel de ${S.platform.short[p]}`,
    stepOf: (n: number, total: number) => `Paso ${n} de ${total}`,
    steps: ['Plataforma', 'Credenciales', 'Eventos', 'Guardar'] as const,
    next: 'Siguiente',
    back: 'Atrás',
    cancel: 'Cancelar',
    close: 'Cerrar',
    save: 'Guardar y comprobar credenciales',
    saveEdit: 'Guardar cambios',
    saving: 'Comprobando con la plataforma…',
    choosePlatform: 'Elige la plataforma',
    credentialsHeading: 'Credenciales',
    eventsHeading: 'Eventos que se envían',
    mappingHeading: 'Qué evento de TrainerERP corresponde a cada evento de la plataforma',
    mappingHint: 'Hemos marcado los habituales. Desmarca los que no quieras enviar.',
    noMapping: 'No enviar',
    reviewHeading: 'Revisa y guarda',
    reviewHint:
      'Al guardar comprobaremos las credenciales directamente con la plataforma. Si algo falla, te diremos qué ha respondido.',
    reviewPlatform: 'Plataforma',
    reviewPixel: 'Identificador',
    reviewEvents: 'Eventos',
    reviewBrowserPixel: 'Píxel del navegador',
    reviewYes: 'Sí, se inyecta en tus páginas',
    reviewNo: 'No',
    rejectedTitle: 'La plataforma ha rechazado las credenciales',
    /** The platform's own words, quoted as they came (they are not translated). */
    platformSaid: (platform: string, message: string) => `Respuesta de ${platform}: «${message}»`,
    conflict: 'Ya tienes conectado este píxel en esta plataforma.',
    fixFields: 'Revisa los campos marcados.',
    genericError: 'No hemos podido guardar. Inténtalo de nuevo en unos minutos.',
    saved: 'Píxel guardado.',
    fields: {
      pixelIdMeta: 'ID del píxel (conjunto de datos)',
      pixelIdTikTok: 'Código del píxel',
      customerId: 'ID de cliente de Google Ads',
      customerIdHint: 'Formato 123-456-7890',
      accessToken: 'Token de acceso',
      accessTokenEditHint: 'Déjalo vacío para mantener el token actual.',
      refreshToken: 'Token de actualización OAuth',
      loginCustomerId: 'ID de cliente de la cuenta de administrador (opcional)',
      loginCustomerIdHint: 'Solo si accedes a la cuenta a través de una cuenta de administrador (MCC).',
      conversionAction: (event: string) => `ID de la acción de conversión para ${event}`,
      conversionActionsHeading: 'Acción de conversión por evento',
      testEventCode: 'Código de evento de prueba (opcional)',
      testEventCodeHint: 'Lo encontrarás en la pestaña «Eventos de prueba». Solo se usa con el botón «Enviar evento de prueba».',
      browserPixel: 'Inyectar también el píxel del navegador en mis páginas (deduplicado con el evento del servidor)',
      browserPixelHint:
        'Desactivado por defecto: si tu web ya tiene su propio píxel, cada conversión del navegador se contaría dos veces. Actívalo solo si tus páginas no llevan ya el píxel de esta plataforma.',
      googleTagId: 'ID de la etiqueta de Google (AW-…)',
      googleTagIdHint:
        'Formato AW-123456789. Aparece en las instrucciones para instalar la etiqueta de Google de tu acción de conversión.',
      conversionLabelsHeading: 'Etiqueta de conversión por evento (opcional)',
      conversionLabelsHint:
        'Es lo que va tras la barra en send_to: "AW-123456789/etiqueta". Los eventos sin etiqueta no se envían como conversión desde el navegador.',
      conversionLabel: (event: string) => `Etiqueta de conversión para ${event}`,
      showToken: 'Mostrar',
      hideToken: 'Ocultar',
    },
    validation: {
      required: 'Este campo es obligatorio.',
      invalid: 'Este valor no es válido.',
      tooLong: 'Este valor es demasiado largo.',
      metaPixelId: 'El ID del píxel de Meta son solo números, entre 10 y 20 cifras.',
      tiktokPixelCode: 'El código del píxel de TikTok tiene de 12 a 32 letras y números (por ejemplo, C9ABCD1234EFGH5678IJ).',
      googleCustomerId: 'El ID de cliente tiene 10 cifras, con o sin guiones (123-456-7890).',
      conversionActionId: 'El ID de la acción de conversión son solo números.',
      conversionActionRequired: 'Indica la acción de conversión de al menos un evento: sin ella Google Ads no acepta el evento.',
      noEvents: 'Elige al menos un evento.',
      googleTagIdRequired: 'Para inyectar el píxel del navegador de Google Ads necesitamos el ID de la etiqueta (AW-…).',
      googleTagId: 'El ID de la etiqueta de Google es AW- seguido de 6 a 12 cifras (por ejemplo, AW-123456789).',
      conversionLabel: 'La etiqueta de conversión tiene de 1 a 64 letras, números, «_» o «-».',
      tokenWhitespace: 'El token no puede contener espacios.',
      googleConnectionRequired: 'Conecta primero tu cuenta de Google con el botón «Conectar con Google».',
    },
  },
  events: {
    label: {
      PAGE_VIEW: 'Página vista',
      VIEW_CONTENT: 'Contenido visto',
      LEAD: 'Lead',
      SCHEDULE: 'Cita agendada',
      INITIATE_CHECKOUT: 'Inicio de pago',
      PURCHASE: 'Compra',
      SUBSCRIBE: 'Suscripción',
      COMPLETE_REGISTRATION: 'Registro completado',
      START_TRIAL: 'Inicio de prueba',
      CONTACT: 'Contacto',
      ADD_TO_CART: 'Añadir al carrito',
      ADD_PAYMENT_INFO: 'Datos de pago añadidos',
      SEARCH: 'Búsqueda',
      SUBMIT_APPLICATION: 'Solicitud enviada',
    } satisfies Record<StandardEvent, string>,
    trainer: {
      'cliente.pago_exitoso': 'Pago de un cliente completado',
      'lead.registrado': 'Nuevo lead registrado',
      'cita.agendada': 'Cita agendada',
      'checkout.iniciado': 'Pago iniciado',
      'suscripcion.renovada': 'Suscripción renovada',
      'pagina.vista': 'Página vista',
      'contenido.visto': 'Contenido visto',
    } as Record<string, string>,
    mappingLabel: (trainerEvent: string) => `Evento de plataforma para «${trainerEvent}»`,
  },
  logs: {
    title: (p: Platform, pixelId: string) => `Registros de ${S.platform.short[p]} · ${pixelId}`,
    heading: 'Últimos envíos',
    loading: 'Cargando registros…',
    error: 'No hemos podido cargar los registros.',
    empty: 'Aún no hay envíos registrados para este píxel.',
    columns: {
      time: 'Fecha',
      event: 'Evento',
      status: 'Estado',
      code: 'Código',
      latency: 'Latencia',
      error: 'Error',
      attempt: 'Intento',
    },
    expand: (event: string, time: string) => `Ver datos enviados de ${event} (${time})`,
    payload: 'Datos enviados (los datos personales van con hash SHA-256, nunca en claro)',
    ms: (n: number) => `${n} ms`,
    none: '—',
    status: {
      success: 'Entregado',
      delivered: 'Entregado',
      ok: 'Entregado',
      retry: 'Reintentando',
      retrying: 'Reintentando',
      failed: 'Error',
      error: 'Error',
      dead_letter: 'Descartado',
      dead_lettered: 'Descartado',
      cancelled: 'Cancelado',
      test: 'Prueba',
      pending: 'Pendiente',
    } as Record<string, string>,
    // A Google Data Manager request: Google answers «recibido» at once and the outcome later.
    googleRequest: {
      event: 'Solicitud a Google',
      pending: (n: number) =>
        n === 1 ? 'Google está procesando 1 evento' : `Google está procesando ${n} eventos`,
      outcome: (accepted: number, failed: number, reasons: string) =>
        `Aceptados ${accepted} / fallidos ${failed}${reasons ? ` (${reasons})` : ''}`,
    },
    close: 'Cerrar',
  },
  deadLetters: {
    heading: 'Eventos descartados',
    hint: 'Eventos que la plataforma rechazó de forma definitiva. Corrige la causa (por ejemplo, el token) y pulsa «Reintentar» para volver a enviarlos todos.',
    loading: 'Cargando eventos descartados…',
    error: 'No hemos podido cargar los eventos descartados.',
    empty: 'No hay eventos descartados. ¡Todo en orden!',
    replay: 'Reintentar',
    attempts: (n: number) => (n === 1 ? '1 intento' : `${n} intentos`),
    replaying: 'Reenviando…',
    replayed: (n: number) => (n === 1 ? 'Hemos vuelto a poner 1 evento en cola.' : `Hemos vuelto a poner ${n} eventos en cola.`),
    replayFailed: 'No hemos podido reenviar los eventos.',
  },
  kpi: {
    heading: 'Resumen de los últimos 7 días',
    loading: 'Cargando indicadores…',
    error: 'No hemos podido cargar los indicadores.',
    none: '—',
    moreInfo: (name: string) => `Qué significa «${name}»`,
    eventsSent: {
      name: 'Eventos enviados',
      help: 'Conversiones enviadas desde el servidor a tus plataformas en los últimos 7 días.',
    },
    successRate: {
      name: 'Tasa de éxito',
      help: 'Porcentaje de eventos que la plataforma aceptó. Por debajo del 95 % conviene revisar los registros.',
    },
    matchQuality: {
      name: 'Calidad de coincidencia',
      help: 'De 0 a 10: cuánto puede la plataforma relacionar el evento con una persona (email, teléfono, identificadores de clic). Más alto = mejor optimización de tus anuncios.',
    },
    latency: {
      name: 'Latencia media',
      help: 'Tiempo medio desde que ocurre el evento hasta que la plataforma lo confirma.',
    },
    activeConfigs: {
      name: 'Píxeles activos',
      help: 'Píxeles que están enviando eventos ahora mismo.',
    },
    googleRequests: (sent: number, pending: number, accepted: number, failed: number) =>
      `Google: ${sent} ${sent === 1 ? 'solicitud' : 'solicitudes'}, ${pending} ${pending === 1 ? 'pendiente' : 'pendientes'} · aceptados ${accepted} / fallidos ${failed}`,
    byType: {
      name: 'Eventos por tipo',
      help: 'Cuántos eventos de cada tipo se han enviado en los últimos 7 días.',
      empty: 'Sin eventos en este periodo.',
      bar: (label: string, n: number) => `${label}: ${n}`,
    },
    percent: (n: number) => `${n.toLocaleString('es-ES', { maximumFractionDigits: 1 })} %`,
    ms: (n: number) => `${Math.round(n).toLocaleString('es-ES')} ms`,
    count: (n: number) => n.toLocaleString('es-ES'),
    score: (n: number) => `${n.toLocaleString('es-ES', { maximumFractionDigits: 1 })} / 10`,
    trend: {
      name: 'Eventos por día',
      help: 'Cada barra es un día (hora UTC): enviados y aceptados por la plataforma, fallidos (reintentados o descartados) y filtrados (bots, precargas y formularios enviados demasiado rápido).',
      range: (days: number) => `${days} días`,
      rangeLabel: 'Periodo del gráfico',
      loading: 'Cargando el gráfico…',
      empty: 'Todavía no hay eventos en este periodo.',
      sent: 'Enviados',
      failed: 'Fallidos',
      filtered: 'Filtrados',
      day: (date: string) => {
        const [y = 1970, m = 1, d = 1] = date.split('-').map(Number);
        return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('es-ES', { day: 'numeric', month: 'short', timeZone: 'UTC' });
      },
      bar: (day: string, sent: number, failed: number, filtered: number) =>
        `${day}: ${sent} enviados, ${failed} fallidos, ${filtered} filtrados`,
      summary: (days: number, sent: number, failed: number, filtered: number) =>
        `Últimos ${days} días: ${sent} enviados, ${failed} fallidos, ${filtered} filtrados`,
    },
    filtered: {
      name: 'Tráfico filtrado',
      help: 'Visitas que no generan eventos porque no son de una persona: buscadores y vistas previas de enlaces, navegadores automatizados, precargas, peticiones HEAD y formularios enviados más rápido de lo que una persona puede rellenarlos.',
      reason: {
        crawler: 'Bots y vistas previas',
        headless: 'Navegadores automatizados',
        prefetch: 'Precargas',
        head: 'Peticiones HEAD',
        too_fast: 'Formularios demasiado rápidos',
      } as Record<string, string>,
    },
    hints: {
      heading: 'Cómo mejorar la coincidencia',
      none: 'Tus eventos ya llevan los datos que más ayudan.',
      share: (pct: number) => `falta en el ${pct} % de los eventos`,
      platform: (p: string) => `En ${p}`,
      key: {
        email: 'Pide el correo electrónico en el formulario de contacto.',
        phone: 'Pide el teléfono en el formulario de contacto.',
        fbc: 'Enlaza tus anuncios de Meta a páginas que pasen por el píxel del servidor, para conservar el identificador de clic (fbclid).',
        fbp: 'Activa el píxel del navegador de Meta o deja que tus páginas pasen por el servidor para guardar la cookie _fbp.',
        ttclid: 'Enlaza tus anuncios de TikTok a páginas que pasen por el servidor, para conservar el identificador de clic (ttclid).',
        ttp: 'Deja que tus páginas pasen por el servidor para guardar la cookie de TikTok (_ttp).',
        click_id: 'Activa el etiquetado automático en Google Ads y enlaza a páginas que pasen por el servidor, para conservar el gclid.',
        external_id: 'Envía desde TrainerERP el identificador del cliente (externalId) con cada evento.',
        ip_and_user_agent: 'Envía la IP y el navegador del cliente con los eventos del servidor.',
        first_and_last_name: 'Pide nombre y apellidos en el formulario.',
        location: 'Envía la ciudad, el código postal y el país del cliente desde TrainerERP.',
        date_of_birth: 'Envía la fecha de nacimiento del cliente si la tienes en su ficha.',
        address: 'Envía nombre, apellidos, código postal y país juntos: Google los usa como una sola dirección.',
      } as Record<string, string>,
    },
  },
  alerts: {
    banner: (n: number) => (n === 1 ? 'Hay 1 problema con el seguimiento' : `Hay ${n} problemas con el seguimiento`),
    badge: 'Alerta',
    kind: {
      credentials_refused: (platform: string) =>
        `${platform} ha rechazado el token de acceso: los eventos esperan hasta que pongas uno válido.`,
      dead_letters_today: (platform: string, n: number) =>
        `${platform}: ${n} ${n === 1 ? 'evento descartado' : 'eventos descartados'} hoy. Revisa los registros.`,
      success_rate_low: (platform: string, n: number) =>
        `${platform}: menos del 90 % de los envíos de la última hora se aceptaron (${n} ${n === 1 ? 'fallido' : 'fallidos'}). Revisa los registros.`,
      google_request_failures: (platform: string, n: number) =>
        `${platform} ha informado hoy de ${n} ${n === 1 ? 'conversión rechazada' : 'conversiones rechazadas'} al procesar los envíos. Revisa los registros.`,
      site_silent: (host: string) =>
        `${host} no ha enviado ningún evento en las últimas 6 horas, aunque antes tenía visitas. Comprueba que la web funciona y pasa por el seguimiento.`,
    },
    unknown: (platform: string) => `${platform}: revisa este píxel.`,
  },
  dedup: {
    heading: 'Evita duplicados con tu píxel del navegador',
    body:
      'Si además del envío desde el servidor tienes el píxel en tu web, usa el mismo identificador de evento en ambos. Así la plataforma cuenta la conversión una sola vez (Meta y TikTok descartan la copia repetida durante 48 horas).',
    metaLabel: 'Meta (píxel del navegador)',
    tiktokLabel: 'TikTok (píxel del navegador)',
    idHint: 'El identificador debe ser el mismo que TrainerERP envía como event_id (por ejemplo, el ID del pedido).',
  },
  time: {
    format: (iso: string) => {
      const d = new Date(iso);
      return Number.isNaN(d.getTime())
        ? iso
        : d.toLocaleString('es-ES', { dateStyle: 'short', timeStyle: 'medium' });
    },
  },
  google: {
    connect: 'Conectar con Google',
    connecting: 'Abriendo Google…',
    connectHint:
      'Te llevaremos a la pantalla de permisos de Google. Inicia sesión con la cuenta que gestiona tus anuncios y pulsa «Permitir»; después volverás aquí para elegir la cuenta de Google Ads y las acciones de conversión.',
    connected: 'Cuenta de Google conectada. Ahora indica la cuenta de Google Ads y las acciones de conversión.',
    connectFailed: 'No hemos podido iniciar la conexión con Google. Inténtalo de nuevo en unos minutos.',
    notConfigured: 'La conexión con Google no está configurada en este servidor. Avisa a soporte.',
    connectionLost: 'La conexión con Google ha caducado o ya se ha usado. Pulsa de nuevo «Conectar con Google».',
    adsApi: 'Usar la API de Google Ads en lugar de la Data Manager API',
    adsApiHint:
      'Solo para cuentas que ya importaban conversiones sin conexión antes de junio de 2026: Google no admite cuentas nuevas en esa API. Elígelo antes de conectar.',
    apiLabel: 'API',
    api: { dataManager: 'Data Manager API', adsApi: 'API de Google Ads' },
    reconnect: 'Reconectar con Google',
    reconnecting: 'Reconectando con Google…',
    reconnected: 'Cuenta de Google reconectada. Los eventos retenidos se enviarán ahora.',
    reconnectFailed: 'No hemos podido reconectar la cuenta de Google. Pulsa de nuevo «Reconectar con Google».',
  },
  errors: {
    network: 'No hay conexión con el servidor. Comprueba tu conexión e inténtalo de nuevo.',
    notFound: 'Este píxel ya no existe.',
    generic: 'Algo ha fallado. Inténtalo de nuevo en unos minutos.',
  },
} as const;

export type Strings = typeof S;
